// Command mdns-browse lists the services on the local network: DNS-SD over
// multicast DNS (RFC 6762, RFC 6763), like avahi-browse and dns-sd -B.
// See usage.go or `mdns-browse --help` for the flags, README.md for the
// JSON schema and the exit codes.
package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/netflags"
	"github.com/mdnskit/mdnskit/mdns"
)

const name = "mdns-browse"

func main() { cli.Main(name, run) }

// run is the command: it parses args, browses until the timeout or ctx
// ends, writes data to stdout and diagnostics to stderr, and returns the
// exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, env{})
}

// env is what tests replace: the network, and whether stdout is a
// terminal. The zero value is the real machine.
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

func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	o, code, ok := parseOptions(args, stdout, stderr)
	if !ok {
		return code
	}
	cfg := mdns.Config{Network: e.network}
	o.net.Apply(&cfg, name, stderr)
	if e.configure != nil {
		e.configure(&cfg)
	}
	conn := o.net.Listen(cfg, name, stderr, hints()...)
	if conn == nil {
		return cli.ExitFailure
	}
	defer conn.Close()

	p := newPrinter(o, stdout, e.terminal(stdout))
	start := time.Now()
	err := browse(ctx, conn, o, p.handle)
	if err != nil {
		cli.Report(stderr, name, err, append(hints(), netflags.Hints(&o.net)...)...)
		if isUsage(err) {
			return cli.ExitUsage
		}
		return cli.ExitFailure
	}
	if err := p.finish(); err != nil {
		cli.Report(stderr, name, err)
		return cli.ExitFailure
	}
	if p.found == 0 && !o.watch && !o.json && !o.parseable {
		within := o.timeout.String()
		if o.untilIdle {
			within = fmt.Sprintf("%v (the link went quiet)", time.Since(start).Round(10*time.Millisecond))
		}
		cli.Errorf(stderr, name, "no services found in %s within %s", joinDomains(o.browseDomains()), within)
	}
	return cli.ExitOK
}
