package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// TestAnnounceMemoryBench: what mdns-announce holds for what it publishes.
// On h1 of its own LAN it publishes n services from a file (--file) and,
// once every one is registered and the announcements are over, reports
// its VmRSS and the peak (VmHWM) reached while probing them all. Gated
// like the rest of the harness (MDNS_BENCH=1, as root).
func TestAnnounceMemoryBench(t *testing.T) {
	reps := benchReps(t)
	if os.Getenv("MDNS_BENCH_REPS") == "" {
		reps = 3
	}
	opts := testlan.Options{Hosts: 1, Binaries: []string{"./cmd/mdns-announce"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1 := lan.Host(1)
		var b strings.Builder
		for _, n := range []int{100, 1000} {
			file := filepath.Join(t.TempDir(), "services.json")
			writeServices(t, file, "_bench._tcp", "Bench", n)
			var idle, peak []int
			for range reps {
				p := h1.Start(t, lan.Bin("mdns-announce"), "--file", file, "--json", "--interface", h1.Iface)
				if _, ok := poll(2*time.Minute, func() bool { return strings.Count(p.Output(), `"event":"registered"`) >= n }); !ok {
					t.Fatalf("%d services: not registered:\n%s", n, tail(p.Output(), 10))
				}
				time.Sleep(5 * time.Second) // past the announcements (RFC 6762 §8.3)
				rss, hwm := procMem(p.Pid())
				idle, peak = append(idle, rss), append(peak, hwm)
				p.Stop(os.Interrupt, 20*time.Second)
			}
			fmt.Fprintf(&b, "  %d services: VmRSS once announced %s kB, VmHWM %s kB\n", n, medianRange(idle), medianRange(peak))
		}
		t.Logf("mdns-announce --file, %d runs each, median (min–max):\n%s", reps, b.String())
	})
}
