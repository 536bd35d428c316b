// Command mdns-bridge takes mDNS past one link. Run as a bridge, it
// mirrors the registry nodes it browses on its link(s) into etcd, in
// go-micro's layout, under a lease, tagged with a site name and the link,
// so that go-micro services on etcd and other sites see the LAN's
// services; it never publishes anything on a link. With --list it prints
// the merged view of etcd and the local link(s), with the output
// conventions of mdns-browse. See usage.go or `mdns-bridge --help`.
package main

import (
	"context"
	"io"
	"os"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

const name = "mdns-bridge"

func main() { cli.Main(name, run) }

// run is the command: it parses args, bridges (or lists) until ctx ends
// or the listing is done, and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, env{})
}

// env is what tests replace. The zero value is the real machine.
type env struct {
	network    mdns.Network       // nil: the machine's interfaces
	configure  func(*mdns.Config) // tests: a seeded Rand
	isTerminal func(io.Writer) bool
}

func (e env) terminal(w io.Writer) bool {
	if e.isTerminal != nil {
		return e.isTerminal(w)
	}
	return cli.IsTerminal(w)
}

func (e env) net() mdns.Network {
	if e.network != nil {
		return e.network
	}
	return mdns.SystemNetwork()
}

func (e env) hostname() string {
	if h, err := e.net().Hostname(); err == nil && h != "" {
		return h
	}
	h, _ := os.Hostname()
	return h
}
