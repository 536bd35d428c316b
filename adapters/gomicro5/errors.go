package gomicro5

import (
	"errors"
	"fmt"

	"github.com/mdnskit/mdnskit/domains"
)

// ErrConfigInUse is returned by Init when it would change the Config of a
// registry already in use: its sockets, browses and registrations were
// made with the old one. Other errors are those of package domains
// (domains.ErrInvalidService, domains.ErrClosed, ...) and go-micro's
// registry.ErrNotFound.
var ErrConfigInUse = errors.New("gomicro5: Config cannot change once the registry is in use")

// errNilService is returned for a nil *registry.Service: a service that
// cannot be registered.
var errNilService = fmt.Errorf("gomicro5: %w: nil service", domains.ErrInvalidService)
