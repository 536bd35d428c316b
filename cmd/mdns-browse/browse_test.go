package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// issue 7: --watch on a terminal is a live table, redrawn on each event.
func TestLiveView(t *testing.T) {
	c := clitest.Case{Args: []string{"--watch", "--service", "_http._tcp", "--service", "_ipp._tcp"}, Interrupt: 4e9}
	r := clitest.OnLink(t, lanWorld, func(h2 *mdnstest.Host) clitest.Result { return runCase(c, h2, true) })
	if r.Exit != 0 || r.Stderr != "" {
		t.Fatalf("exit %d, stderr %q", r.Exit, r.Stderr)
	}
	frames := strings.Split(r.Stdout, cli.ClearScreen)
	if len(frames) != 4 || frames[0] != "" {
		t.Fatalf("want 3 frames, one per instance; got %q", r.Stdout)
	}
	last := frames[3]
	for _, want := range []string{"watching _http._tcp, _ipp._tcp in local: 3 instance(s); Ctrl-C to stop\n", "_http._tcp in local\n", "  My Web     h1.local  8080", "  Stage Web  h1.local  8081", `Printer. 2nd floor; "lab"`} {
		if !strings.Contains(last, want) {
			t.Errorf("last frame lacks %q:\n%s", want, last)
		}
	}
}

func TestHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), []string{"-h"}, &out, &errb, env{}); code != 0 || out.String() != usage || errb.Len() != 0 {
		t.Errorf("--help: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errb.String())
	}
	out.Reset()
	if code := runWith(context.Background(), []string{"--version"}, &out, &errb, env{}); code != 0 || !strings.HasPrefix(out.String(), "mdns-browse devel (go") {
		t.Errorf("--version: exit %d, stdout %q", code, out.String())
	}
	for _, f := range []string{"--service", "--subtype", "--domain", "--all-domains", "--global-domain", "--interface", "--ipv4-only", "--ipv6-only",
		"--timeout", "--watch", "--resolve", "--json", "--parseable", "--help", "--version"} {
		if !strings.Contains(usage, f) {
			t.Errorf("usage does not mention %s", f)
		}
	}
}

// issue 14: --until-idle ends when the link is quiet, not at a guessed
// timeout: on the virtual clock, a browse of every type ends well within
// the 3 s default, and one that hears nothing after 1.25 s.
func TestUntilIdleTiming(t *testing.T) {
	for _, c := range []struct {
		args     []string
		min, max time.Duration
	}{
		{[]string{"--until-idle"}, 500 * time.Millisecond, 3 * time.Second},
		{[]string{"--until-idle", "--service", "_http._tcp"}, 500 * time.Millisecond, 1500 * time.Millisecond},
		{[]string{"--until-idle", "--service", "_none._tcp"}, 1250 * time.Millisecond, 1250 * time.Millisecond},
	} {
		var took time.Duration
		r := clitest.OnLink(t, lanWorld, func(h2 *mdnstest.Host) clitest.Result {
			start := time.Now()
			defer func() { took = time.Since(start) }()
			return runCase(clitest.Case{Args: c.args}, h2, false)
		})
		if r.Exit != 0 || took < c.min || took > c.max {
			t.Errorf("%v: exit %d after %v, want between %v and %v; stderr %q", c.args, r.Exit, took, c.min, c.max, r.Stderr)
		}
		t.Logf("%v: %v", c.args, took)
	}
}
