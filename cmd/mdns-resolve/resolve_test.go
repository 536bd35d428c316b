package main

import (
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// issue 14: arguments resolve in parallel: three that are never found take
// one --timeout, not three; found ones return as soon as they are found.
func TestResolveInParallel(t *testing.T) {
	for _, c := range []struct {
		args []string
		took time.Duration
		exit int
	}{
		{[]string{"--timeout", "2s", "a.local", "b.local", "10.0.0.77"}, 2 * time.Second, 4},
		{[]string{"h1.local", "printer.local", "10.0.0.9"}, 0, 0},
	} {
		var took time.Duration
		r := clitest.OnLink(t, lanWorld, func(h2 *mdnstest.Host) clitest.Result {
			start := time.Now()
			defer func() { took = time.Since(start) }()
			return runCase(clitest.Case{Args: c.args}, h2)
		})
		if r.Exit != c.exit || (c.took > 0 && took != c.took) || (c.took == 0 && took > 500*time.Millisecond) {
			t.Errorf("%v: exit %d after %v, want %d after %v; stderr %q", c.args, r.Exit, took, c.exit, c.took, r.Stderr)
		}
	}
}
