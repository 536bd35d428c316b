package main

import (
	"errors"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// hints explain the errors people meet first.
func hints(interfaces []string) []cli.Hint {
	return append(cli.SocketHints(mdns.ErrNoInterface, len(interfaces) > 0), cli.Hint{
		Match: cli.Is(mdns.ErrInvalidName),
		Text:  "a service type looks like _name._tcp or _name._udp; a domain like local",
	})
}

// isUsage reports errors caused by the arguments.
func isUsage(err error) bool { return errors.Is(err, mdns.ErrInvalidName) }
