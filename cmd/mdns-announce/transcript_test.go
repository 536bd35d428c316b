package main

import (
	"bytes"
	"context"
	"flag"
	"math/rand/v2"
	"net/netip"
	"os"
	"testing"

	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/ with the output seen")

// worlds maps a transcript file (testdata/NAME.txt) to what h1 does
// before mdns-announce runs on h2.
var worlds = map[string]clitest.World{
	"announce": clitest.Empty,
	"usage":    clitest.Empty,
	"conflict": takenWorld,
}

// takenWorld is h1 publishing "My Web" on _http._tcp.local.
func takenWorld(t *testing.T, _ *mdnstest.Link, h1 *mdnstest.Host) func() {
	t.Helper()
	conn, err := mdns.Listen(mdns.Config{Network: h1, Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Register(context.Background(), mdns.Service{Instance: "My Web", Type: "_http._tcp", Port: 80}); err != nil {
		t.Fatal(err)
	}
	// A device h1 publishes for: its name is taken too.
	if _, err := conn.RegisterHost(context.Background(), mdns.Host{Name: "printer", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.50")}}); err != nil {
		t.Fatal(err)
	}
	return func() { conn.Close() }
}

func testEnv(h *mdnstest.Host, hangup chan os.Signal) env {
	return env{
		network:   h,
		configure: func(cfg *mdns.Config) { cfg.Rand = rand.New(rand.NewPCG(2, 2)) },
		hangup:    hangup,
	}
}

// runCase runs one transcript block on host h and returns what it printed.
func runCase(c clitest.Case, h *mdnstest.Host) clitest.Result {
	var out, errb bytes.Buffer
	ctx, cancel := clitest.Context(c)
	defer cancel()
	code := runWith(ctx, c.Args, &out, &errb, testEnv(h, nil))
	return clitest.Result{Stdout: out.String(), Stderr: errb.String(), Exit: code}
}

// TestTranscripts runs the golden transcripts in testdata/ against a
// simulated link (issue 7: mdns-announce output, flags, exit codes).
func TestTranscripts(t *testing.T) {
	clitest.RunOnLink(t, "testdata/*.txt", *update, worlds, func(c clitest.Case, h2 *mdnstest.Host) clitest.Result {
		return runCase(c, h2)
	})
}
