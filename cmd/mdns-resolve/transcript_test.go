package main

import (
	"bytes"
	"context"
	"flag"
	"math/rand/v2"
	"net/netip"
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

// A world publishes on host h1 of a simulated link before mdns-resolve
// runs on h2; it returns a function that stops it.
type world func(t *testing.T, h1 *mdnstest.Host) (stop func())

var worlds = map[string]world{
	"resolve": lanWorld,
	"usage":   emptyWorld,
}

func emptyWorld(t *testing.T, h1 *mdnstest.Host) func() { return func() {} }

// lanWorld is h1 publishing a web server of its own, and a printer for a
// device at 10.0.0.9 and fe80::9 (a proxy).
func lanWorld(t *testing.T, h1 *mdnstest.Host) func() {
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

func runCase(c clitest.Case, h *mdnstest.Host) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if c.Interrupt > 0 {
		time.AfterFunc(c.Interrupt, cancel)
	}
	e := env{network: h, configure: func(cfg *mdns.Config) { cfg.Rand = rand.New(rand.NewPCG(2, 2)) }}
	code = runWith(ctx, c.Args, &out, &errb, e)
	return out.String(), errb.String(), code
}

// TestTranscripts runs the golden transcripts in testdata/ on a simulated
// link (issue 14: mdns-resolve).
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
