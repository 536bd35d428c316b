package main

import (
	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// hints explain the errors people meet first.
func hints(interfaces []string) []cli.Hint {
	return append(cli.SocketHints(mdns.ErrNoInterface, len(interfaces) > 0), cli.Hint{
		Match: cli.Is(mdns.ErrNameConflict),
		Text:  "another host on the link uses this name; choose another --instance (a plain service without --no-rename would become \"Name (2)\")",
	})
}
