// Command mdns-announce publishes services on the local network: DNS-SD
// over multicast DNS (RFC 6762, RFC 6763), like avahi-publish-service and
// dns-sd -R. See usage.go or `mdns-announce --help` for the flags,
// README.md for the services file schema and the exit codes.
package main

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

const name = "mdns-announce"

func main() {
	tuneMemory()
	cli.Main(name, run)
}

// run is the command: it parses args, publishes until ctx ends (SIGINT,
// SIGTERM), sends goodbyes and returns the exit code. SIGHUP reloads
// --file.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	// A reader that goes away (mdns-announce ... | head -1) must not kill
	// the announcer before its goodbyes: writes then fail, and are ignored.
	signal.Ignore(syscall.SIGPIPE)
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	return runWith(ctx, args, stdout, stderr, env{hangup: hup})
}

// env is what tests replace. The zero value is the real machine.
type env struct {
	network   mdns.Network       // nil: the machine's interfaces
	configure func(*mdns.Config) // tests: a seeded Rand
	hangup    <-chan os.Signal   // SIGHUP: reload --file
}
