// Command mdns-browse lists the services on the local network: DNS-SD over
// multicast DNS (RFC 6762, RFC 6763), like avahi-browse and dns-sd -B.
// See usage.go or `mdns-browse --help` for the flags, README.md for the
// JSON schema and the exit codes.
package main

import (
	"context"
	"io"

	"github.com/mdnskit/mdnskit/internal/cli"
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
	cfg := mdns.Config{
		Network:     e.network,
		Interfaces:  o.interfaces,
		DisableIPv4: o.ipv6Only,
		DisableIPv6: o.ipv4Only,
	}
	if e.configure != nil {
		e.configure(&cfg)
	}
	conn, err := mdns.Listen(cfg)
	if err != nil {
		cli.Report(stderr, name, err, hints(o.interfaces)...)
		return cli.ExitFailure
	}
	defer conn.Close()
	if len(o.interfaces) == 0 && conn.MachineLocal() {
		cli.Errorf(stderr, name, "%s", cli.MachineLocalNote)
	}

	p := newPrinter(o, stdout, e.terminal(stdout))
	err = browse(ctx, conn, o, p.handle)
	if err != nil {
		cli.Report(stderr, name, err, hints(o.interfaces)...)
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
		cli.Errorf(stderr, name, "no services found in %s within %v", joinDomains(o.browseDomains()), o.timeout)
	}
	return cli.ExitOK
}
