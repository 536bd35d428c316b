package mdns_test

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// No host can flush another's services, on a real LAN (issue 13): h3
// publishes Legit (mdns-announce); `mdns-browse --watch` on h2 sees it;
// h1 (internal/floodpeer, its own address, port 5353) then multicasts
// 100,000 distinct spoofed instances of the same type at 17,500 a second,
// while two more of its floods ask for Legit's names and probe them with
// records of its own. The browser never prints a remove for Legit, during
// the flood or in the 25 s after; the announcer never renames it; the
// browser's resident memory stays bounded (its cache is); and a browser
// started afterwards still resolves Legit to h3.
func TestLANFloodCannotFlushLegit(t *testing.T) {
	opts := testlan.Options{Hosts: 3, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-browse", "./internal/floodpeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2, h3 := lan.Host(1), lan.Host(2), lan.Host(3)
		ann := h3.Start(t, lan.Bin("mdns-announce"), "--instance", "Legit", "--service", "_flood._tcp", "--port", "80", "--json")
		if !ann.WaitOutput(10*time.Second, `"event":"registered"`) {
			t.Fatalf("announce did not register:\n%s", ann.Output())
		}
		br := h2.Start(t, lan.Bin("mdns-browse"), "--service", "_flood._tcp", "--watch", "--json")
		if !br.WaitOutput(10*time.Second, `"instance":"Legit"`) {
			t.Fatalf("browse did not see Legit:\n%s", br.Output())
		}
		rss0 := vmRSS(br.Pid())
		var peak atomic.Int64
		stopRSS := make(chan struct{})
		go func() {
			for {
				select {
				case <-stopRSS:
					return
				case <-time.After(100 * time.Millisecond):
					peak.Store(max(peak.Load(), int64(vmRSS(br.Pid()))))
				}
			}
		}()
		defer close(stopRSS)

		flood := h1.Start(t, lan.Bin("floodpeer"), "responses", "-type", "_flood._tcp", "-count", "100000", "-rate", "17500",
			"-host", "h1flood.local.", "-addr", h1.IPv4.String())
		queries := h1.Start(t, lan.Bin("floodpeer"), "queries", "-name", "Legit._flood._tcp.local.", "-count", "20000", "-rate", "3000")
		probes := h1.Start(t, lan.Bin("floodpeer"), "probes", "-name", "Legit._flood._tcp.local.", "-host", "evil.local.", "-count", "20000", "-rate", "3000")
		hostProbes := h1.Start(t, lan.Bin("floodpeer"), "probes", "-name", "h3.local.", "-host", "evil.local.", "-count", "20000", "-rate", "3000")
		for _, p := range []*testlan.Proc{flood, queries, probes, hostProbes} {
			if !p.WaitOutput(60*time.Second, `"event":"done"`) {
				t.Fatalf("flood did not finish:\n%s", p.Output())
			}
		}
		if !strings.Contains(flood.Output(), `"sent":100000`) {
			t.Fatalf("the flood fell short:\n%s", flood.Output())
		}
		t.Logf("flood: %s", strings.TrimSpace(flood.Output()))
		time.Sleep(25 * time.Second)

		adds, removes := 0, 0
		for _, l := range strings.Split(strings.TrimSpace(br.Output()), "\n") {
			var ev struct{ Event, Instance, Host string }
			if json.Unmarshal([]byte(l), &ev) != nil {
				continue
			}
			switch {
			case ev.Instance == "Legit" && ev.Event == "remove":
				removes++
			case ev.Event == "add" && strings.HasPrefix(ev.Instance, "Flood "):
				adds++
			}
		}
		t.Logf("browser: %d spoofed instances reported; VmRSS %d kB before the flood, peak %d kB", adds, rss0, peak.Load())
		if removes > 0 {
			t.Errorf("the browser printed %d removes for Legit", removes)
		}
		if adds == 0 {
			t.Error("the browser saw none of the flood: it tested nothing")
		}
		// The cache is bounded (16384 records); the browser's memory with it.
		if limit := int64(64 << 10); peak.Load() > limit {
			t.Errorf("browser VmRSS peaked at %d kB, over %d kB", peak.Load(), limit)
		}
		if strings.Contains(ann.Output(), `"renamed"`) || strings.Count(ann.Output(), `"event":"registered"`) != 1 {
			t.Errorf("the announcer's name changed under the query and probe floods:\n%s", ann.Output())
		}
		out, err := h2.Run(t, 15*time.Second, lan.Bin("mdns-browse"), "--service", "_flood._tcp", "--json", "--timeout", "3s")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, l := range strings.Split(out, "\n") {
			var ev struct {
				Instance, Host string
				Port           int
			}
			if json.Unmarshal([]byte(l), &ev) == nil && ev.Instance == "Legit" {
				found = ev.Host == "h3.local" && ev.Port == 80
			}
		}
		if !found {
			t.Errorf("a fresh browser does not resolve Legit at h3.local:80 after the flood:\n%s", firstLines(out, 5))
		}
	})
}

// vmRSS is a process's resident memory in kB (0 if unknown).
func vmRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

func firstLines(s string, n int) string {
	ls := strings.Split(s, "\n")
	return strings.Join(ls[:min(n, len(ls))], "\n")
}
