package main

import (
	"bytes"
	"context"
	"flag"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/ with the output seen")

// A world prepares host h1 of a simulated link before mdns-announce runs
// on h2; it returns a function that stops what it started.
type world func(t *testing.T, h1 *mdnstest.Host) (stop func())

// worlds maps a transcript file (testdata/NAME.txt) to its world.
var worlds = map[string]world{
	"announce": emptyWorld,
	"usage":    emptyWorld,
	"conflict": takenWorld,
}

func emptyWorld(t *testing.T, h1 *mdnstest.Host) func() { return func() {} }

// takenWorld is h1 publishing "My Web" on _http._tcp.local.
func takenWorld(t *testing.T, h1 *mdnstest.Host) func() {
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
func runCase(c clitest.Case, h *mdnstest.Host) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if c.Interrupt > 0 {
		time.AfterFunc(c.Interrupt, cancel)
	}
	code = runWith(ctx, c.Args, &out, &errb, testEnv(h, nil))
	return out.String(), errb.String(), code
}

// TestTranscripts runs the golden transcripts in testdata/ against a
// simulated link (issue 7: mdns-announce output, flags, exit codes).
func TestTranscripts(t *testing.T) {
	clitest.Run(t, "testdata/*.txt", *update, func(t *testing.T, file string, c clitest.Case) (r clitest.Result) {
		base := strings.TrimSuffix(filepath.Base(file), ".txt")
		w := worlds[base]
		if w == nil {
			t.Fatalf("%s: no world named %q in worlds", file, base)
		}
		synctest.Test(t, func(t *testing.T) {
			link := mdnstest.NewLink(mdnstest.LinkConfig{})
			h1, h2 := link.AddHost("h1"), link.AddHost("h2")
			stop := w(t, h1)
			r.Stdout, r.Stderr, r.Exit = runCase(c, h2)
			stop()
			h1.Close()
			h2.Close()
			link.Close()
		})
		return r
	})
}
