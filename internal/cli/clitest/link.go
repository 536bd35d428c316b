package clitest

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// A World prepares host h1 of a simulated link before a command runs on
// h2, and returns what stops it.
type World func(t *testing.T, link *mdnstest.Link, h1 *mdnstest.Host) (stop func())

// OnLink runs one case in a testing/synctest bubble, on a simulated link
// of two hosts (package mdnstest): world prepares h1, run runs the
// command on h2 and returns what it printed. Everything is closed before
// it returns.
func OnLink(t *testing.T, world World, run func(h2 *mdnstest.Host) Result) (r Result) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		stop := world(t, link, h1)
		r = run(h2)
		stop()
		h1.Close()
		h2.Close()
		link.Close()
	})
	return r
}

// Context is the context a case runs in: cancelled after c.Interrupt, as
// SIGINT would end the command.
func Context(c Case) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	if c.Interrupt > 0 {
		time.AfterFunc(c.Interrupt, cancel)
	}
	return ctx, cancel
}

// JSONLines parses a command's --json output, one object per line.
func JSONLines(t testing.TB, out string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("not a JSON line: %q: %v", l, err)
		}
		recs = append(recs, m)
	}
	return recs
}

// Empty is a World where h1 does nothing.
func Empty(*testing.T, *mdnstest.Link, *mdnstest.Host) func() { return func() {} }

// RunOnLink runs the transcripts that match glob as Run does, each case
// OnLink: a file's world is worlds[its base name without .txt], and run
// runs the case's command on h2.
func RunOnLink(t *testing.T, glob string, update bool, worlds map[string]World, run func(c Case, h2 *mdnstest.Host) Result) {
	t.Helper()
	Run(t, glob, update, func(t *testing.T, file string, c Case) Result {
		base := strings.TrimSuffix(filepath.Base(file), ".txt")
		w := worlds[base]
		if w == nil {
			t.Fatalf("%s: no world named %q", file, base)
		}
		return OnLink(t, w, func(h2 *mdnstest.Host) Result { return run(c, h2) })
	})
}
