// Command mdns-resolve looks names up on the local network over multicast
// DNS (RFC 6762): a host name to its addresses (avahi-resolve -n, dns-sd
// -G), an address to its name through the reverse-mapping PTR
// (avahi-resolve -a), a DNS-SD instance to its host, port, addresses and
// TXT (dns-sd -L). See usage.go or `mdns-resolve --help`, README.md for
// the output formats and exit codes.
package main

import (
	"context"
	"errors"
	"io"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

const name = "mdns-resolve"

func main() { cli.Main(name, run) }

// run is the command: it parses args, resolves every argument in
// parallel until each is found or --timeout passes, prints what was found
// and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return runWith(ctx, args, stdout, stderr, env{})
}

// env is what tests replace. The zero value is the real machine.
type env struct {
	network   mdns.Network       // nil: the machine's interfaces
	configure func(*mdns.Config) // tests: a seeded Rand
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
	conn := o.net.Listen(cfg, name, stderr)
	if conn == nil {
		return cli.ExitFailure
	}
	defer conn.Close()

	results := resolveAll(ctx, conn, o)
	for _, r := range results {
		if errors.Is(r.err, mdns.ErrInvalidName) { // a bad --service or --domain
			cli.Errorf(stderr, name, "%v", r.err)
			cli.Errorf(stderr, name, "hint: a service type looks like _name._tcp or _name._udp; a domain like local")
			return cli.ExitUsage
		}
	}
	if err := write(stdout, o, results); err != nil {
		cli.Report(stderr, name, err)
		return cli.ExitFailure
	}
	code = cli.ExitOK
	for _, r := range results {
		switch {
		case r.err == nil:
		case r.notFound:
			cli.Errorf(stderr, name, "%s: not found within %v", r.q.arg, o.timeout)
			code = max(code, cli.ExitNotFound)
		case ctx.Err() != nil:
			// Interrupted: what was found is printed, the rest is not.
			code = max(code, cli.ExitNotFound)
		default:
			cli.Report(stderr, name, r.err)
			if code != cli.ExitNotFound {
				code = cli.ExitFailure
			}
		}
	}
	return code
}
