package main

import (
	"bytes"
	"context"
	"flag"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/ with the output seen")

// worlds maps a transcript file (testdata/NAME.txt) to what h1 publishes
// before mdns-resolve runs on h2.
var worlds = map[string]clitest.World{
	"resolve": lanWorld,
	"usage":   clitest.Empty,
}

// lanWorld is h1 publishing a web server of its own, and a printer for a
// device at 10.0.0.9 and fe80::9 (a proxy).
func lanWorld(t *testing.T, _ *mdnstest.Link, h1 *mdnstest.Host) func() {
	t.Helper()
	conn, err := mdns.Listen(mdns.Config{Network: h1, Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []mdns.Service{
		{Instance: "My Web", Type: "_http._tcp", Port: 8080, Text: [][]byte{[]byte("path=/"), []byte("flag")}},
		{Instance: "Office Printer", Type: "_ipp._tcp", Port: 631, Priority: 10, Weight: 5, Text: [][]byte{[]byte("rp=ipp/print")},
			Host: "printer", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("fe80::9%eth0")}},
	} {
		if _, err := conn.Register(ctx, s); err != nil {
			t.Fatalf("register %q: %v", s.Instance, err)
		}
	}
	return func() { conn.Close() }
}

func runCase(c clitest.Case, h *mdnstest.Host) clitest.Result {
	var out, errb bytes.Buffer
	ctx, cancel := clitest.Context(c)
	defer cancel()
	e := env{network: h, configure: func(cfg *mdns.Config) { cfg.Rand = rand.New(rand.NewPCG(2, 2)) }}
	code := runWith(ctx, c.Args, &out, &errb, e)
	return clitest.Result{Stdout: out.String(), Stderr: errb.String(), Exit: code}
}

// TestTranscripts runs the golden transcripts in testdata/ on a simulated
// link (issue 14: mdns-resolve).
func TestTranscripts(t *testing.T) {
	clitest.RunOnLink(t, "testdata/*.txt", *update, worlds, func(c clitest.Case, h2 *mdnstest.Host) clitest.Result {
		return runCase(c, h2)
	})
}

func TestHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), []string{"--help"}, &out, &errb, env{}); code != 0 || out.String() != usage || errb.Len() != 0 {
		t.Errorf("--help: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errb.String())
	}
	out.Reset()
	if code := runWith(context.Background(), []string{"--version"}, &out, &errb, env{}); code != 0 || !strings.HasPrefix(out.String(), "mdns-resolve ") {
		t.Errorf("--version: exit %d, %q", code, out.String())
	}
}
