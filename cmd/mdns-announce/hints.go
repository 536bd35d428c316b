package main

import (
	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/netflags"
	"github.com/mdnskit/mdnskit/mdns"
)

// hints explain the errors people meet first.
func hints(n *netflags.Net) []cli.Hint {
	return append(netflags.Hints(n), cli.Hint{
		Match: cli.Is(mdns.ErrNameConflict),
		Text:  "another host on the link uses this name; choose another --instance or --host (without --no-rename a plain service would become \"Name (2)\", a host \"name-2\")",
	})
}
