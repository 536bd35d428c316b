package bridge

import "errors"

// ErrInvalidConfig reports a Config New refuses: no Target, no Links, no
// Site, a link without a Name or a Source. Errors of the Target and the
// links' sources (domains.ErrInvalidService, etcd.ErrUnavailable, ...)
// are wrapped, not replaced.
var ErrInvalidConfig = errors.New("bridge: invalid config")
