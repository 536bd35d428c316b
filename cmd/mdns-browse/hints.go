package main

import (
	"errors"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// hints explain the errors people meet first (netflags.Hints those of
// opening the sockets).
func hints() []cli.Hint {
	return []cli.Hint{{
		Match: cli.Is(mdns.ErrInvalidName),
		Text:  "a service type looks like _name._tcp or _name._udp; a domain like local",
	}}
}

// isUsage reports errors caused by the arguments.
func isUsage(err error) bool { return errors.Is(err, mdns.ErrInvalidName) }
