package reliability

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// Churn (issue 17 §2). h1 registers and withdraws services through the
// library, MDNS_REL_CYCLES in all, MDNS_REL_WORKERS at a time (relpeer
// churn); then starts MDNS_REL_KILLS mdns-announce processes, ten at a
// time, and SIGKILLs each once it is established (no goodbye). h2 keeps
// three services of the same type for the whole run. Two relpeer browsers
// (h3, h4) report their cache, memory and goroutines every two seconds;
// mdns-browse --watch runs on h5.
//
// After each phase: every browser's view is exactly h2's three services;
// each relpeer browser's cache is back to its size before the churn
// (within MDNS_REL_MAX_CACHE_GROWTH records), its heap within
// MDNS_REL_MAX_HEAP_GROWTH_KB, its goroutines where they were. RSS is
// reported (the Go runtime returns freed memory to the system lazily).
func TestLANChurn(t *testing.T) {
	form := scenario(t, "churn")
	t.Parallel() // its namespaces are its own; mostly it waits
	cycles := form.int("CYCLES", 100, 1000)
	workers := form.int("WORKERS", 10, 10)
	kills := form.int("KILLS", 10, 100)
	maxCacheGrowth := form.int("MAX_CACHE_GROWTH", 0, 0)
	maxHeapGrowth := form.int("MAX_HEAP_GROWTH_KB", 2048, 2048)
	// The short form's killed announcers publish with a 20-s TTL, so that
	// what they leave expires within CI's minutes; the full run keeps
	// RFC 6762's 120 s.
	killTTL := form.duration("KILL_TTL", 20*time.Second, 0)
	const typ = "_churn._tcp"
	opts := testlan.Options{Hosts: 5, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-browse", "./internal/reliability/relpeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		stable := []string{"keep 1", "keep 2", "keep 3"}
		file := filepath.Join(lan.LogDir(), "keep.json")
		var list []string
		for i, n := range stable {
			list = append(list, fmt.Sprintf(`{"instance":%q,"service":%q,"port":%d}`, n, typ, 7000+i))
		}
		if err := os.WriteFile(file, []byte("["+strings.Join(list, ",")+"]"), 0o644); err != nil {
			t.Fatal(err)
		}
		keep := h2.Start(t, lan.Bin("mdns-announce"), "--file", file)
		if !keep.WaitOutput(30*time.Second, "registered") {
			t.Fatalf("h2 did not register:\n%s", keep.Output())
		}
		var peers []*relBrowser
		for _, i := range []int{3, 4} {
			peers = append(peers, startRelBrowser(t, lan, lan.Host(i), "-type", typ, "-stats", "2s"))
		}
		watch := startTail(lan.Host(5).Start(t, lan.Bin("mdns-browse"), "--service", typ, "--watch", "--json").LogPath())
		time.Sleep(20 * time.Second)
		base := snapshots(peers)

		// Phase 1: the library registers and withdraws, with goodbyes.
		t0 := time.Now()
		ch := h1.Start(t, lan.Bin("relpeer"), "churn", "-type", typ, "-cycles", fmt.Sprint(cycles),
			"-workers", fmt.Sprint(workers), "-hold", "2s", "-prefix", "cycle")
		if err := ch.Wait(time.Duration(cycles)*time.Second + 5*time.Minute); err != nil {
			t.Fatalf("relpeer churn: %v\n%s", err, ch.Output())
		}
		churnTime := time.Since(t0)
		var done jsonLine
		for _, p := range parse(linesOf(ch.Output())) {
			if p.Event == "done" {
				done = p.jsonLine
			}
		}
		if done.Cycles != cycles || done.Failed > 0 || done.Renamed > 0 || done.Goroutines > done.Baseline {
			t.Errorf("churn: %d of %d cycles, %d failed, %d renamed, goroutines %d after Close (baseline %d)",
				done.Cycles, cycles, done.Failed, done.Renamed, done.Goroutines, done.Baseline)
		}
		time.Sleep(15 * time.Second) // the last goodbyes, and a stats line
		peak1 := peaks(peers, t0)
		after1 := snapshots(peers)
		views1 := views(peers, watch)

		// Phase 2: processes killed without a goodbye.
		t1 := time.Now()
		killed := killAnnouncers(t, lan, h1, typ, kills, killTTL)
		lastKill := time.Now()
		// A killed service's SRV and addresses expire at their TTL; §10.4
		// reconfirmation then takes its PTR and TXT within 10 s.
		time.Sleep((&lifetime{ttl: killTTL}).staleAfter() + 20*time.Second)
		peak2 := peaks(peers, t1)
		after2 := snapshots(peers)
		views2 := views(peers, watch)
		removedAt := lastRemovals(peers, watch, "kill ")

		fig := map[string]any{
			"cycles": done.Cycles, "workers": workers, "killTTLSeconds": killTTL.Seconds(), "churnSeconds": churnTime.Seconds(), "kills": killed,
			"baseline": base, "peakChurn": peak1, "afterChurn": after1, "peakKills": peak2, "afterKills": after2,
			"lastKilledRemovedAfterS": removedAt.Sub(lastKill).Seconds(),
		}
		figures(t, form, "churn", fig)

		for phase, views := range map[string][][]string{"after the churn": views1, "after the kills": views2} {
			for i, v := range views {
				if !slices.Equal(v, stable) {
					t.Errorf("%s: browser %d shows %q, want %q", phase, i+1, v, stable)
				}
			}
		}
		for i := range peers {
			for phase, s := range map[string]procSnap{"after the churn": after1[i], "after the kills": after2[i]} {
				b := base[i]
				if s.Cache > b.Cache+maxCacheGrowth {
					t.Errorf("browser %d %s: %d records cached, %d before", i+1, phase, s.Cache, b.Cache)
				}
				if s.HeapKB > b.HeapKB+maxHeapGrowth {
					t.Errorf("browser %d %s: heap %d kB, %d kB before", i+1, phase, s.HeapKB, b.HeapKB)
				}
				if s.Goroutines != b.Goroutines {
					t.Errorf("browser %d %s: %d goroutines, %d before", i+1, phase, s.Goroutines, b.Goroutines)
				}
			}
		}
		if killed < kills {
			t.Errorf("only %d of %d announcers were established and killed", killed, kills)
		}
	})
}

// killAnnouncers starts n mdns-announce processes on h, ten at a time
// (with --ttl ttl when it is not zero), and SIGKILLs each 0–2 s after it
// is established; it returns how many it killed established.
func killAnnouncers(t *testing.T, lan *testlan.LAN, h *testlan.Host, typ string, n int, ttl time.Duration) int {
	t.Helper()
	var mu sync.Mutex
	killed := 0
	var wg sync.WaitGroup
	next := 0
	for w := range 10 {
		rnd := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= n {
					return
				}
				p := h.Start(t, lan.Bin("mdns-announce"), announceArgs(fmt.Sprintf("kill %d", i), typ, 8000+i, ttl)...)
				ok := p.WaitOutput(30*time.Second, "registered")
				time.Sleep(time.Duration(rnd.Int64N(int64(2 * time.Second))))
				_ = p.Signal(syscall.SIGKILL)
				_ = p.Wait(10 * time.Second)
				if ok {
					mu.Lock()
					killed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return killed
}

// announceArgs are mdns-announce's arguments for one service.
func announceArgs(instance, typ string, port int, ttl time.Duration) []string {
	args := []string{"--instance", instance, "--service", typ, "--port", fmt.Sprint(port)}
	if ttl > 0 {
		args = append(args, "--ttl", ttl.String())
	}
	return args
}

func linesOf(s string) []stamped {
	var out []stamped
	for _, l := range strings.Split(s, "\n") {
		out = append(out, stamped{line: l})
	}
	return out
}

// relBrowser is a `relpeer browse` and the tail of its output.
type relBrowser struct {
	proc *testlan.Proc
	tail *tail
}

func startRelBrowser(t *testing.T, lan *testlan.LAN, h *testlan.Host, args ...string) *relBrowser {
	t.Helper()
	p := h.Start(t, lan.Bin("relpeer"), append([]string{"browse"}, args...)...)
	if !p.WaitOutput(10*time.Second, `"event":"ready"`) {
		t.Fatalf("relpeer browse on %s did not start:\n%s", h.Name, p.Output())
	}
	return &relBrowser{proc: p, tail: startTail(p.LogPath())}
}

// procSnap is one stats line of a relpeer browser.
type procSnap struct {
	At         time.Time `json:"-"`
	Cache      int       `json:"cache"`
	CacheBound int       `json:"cacheBound"`
	RSSKB      int       `json:"rssKB"`
	HeapKB     int       `json:"heapKB"`
	Goroutines int       `json:"goroutines"`
	CPUSeconds float64   `json:"cpuSeconds"`
	Evictions  uint64    `json:"evictions"`
	Sent       uint64    `json:"sent"`
	Received   uint64    `json:"received"`
}

func (b *relBrowser) stats() []procSnap {
	var out []procSnap
	for _, p := range parse(b.tail.lines()) {
		if p.Event == "stats" {
			out = append(out, procSnap{At: p.stampOf(), Cache: p.Cache, CacheBound: p.CacheBound, RSSKB: p.Proc.RSSKB,
				HeapKB: p.Proc.HeapKB, Goroutines: p.Proc.Goroutines, CPUSeconds: p.Proc.CPUSeconds, Evictions: p.Evictions,
				Sent: p.Sent, Received: p.Received})
		}
	}
	return out
}

// snapshots returns each browser's latest stats line.
func snapshots(bs []*relBrowser) []procSnap {
	out := make([]procSnap, len(bs))
	for i, b := range bs {
		if s := b.stats(); len(s) > 0 {
			out[i] = s[len(s)-1]
		}
	}
	return out
}

// peaks returns each browser's largest cache, RSS, heap and goroutines
// since from.
func peaks(bs []*relBrowser, from time.Time) []procSnap {
	out := make([]procSnap, len(bs))
	for i, b := range bs {
		for _, s := range b.stats() {
			if s.At.Before(from) {
				continue
			}
			p := &out[i]
			p.Cache, p.RSSKB, p.HeapKB = max(p.Cache, s.Cache), max(p.RSSKB, s.RSSKB), max(p.HeapKB, s.HeapKB)
			p.Goroutines, p.CacheBound = max(p.Goroutines, s.Goroutines), s.CacheBound
		}
	}
	return out
}

// views returns what each browser shows now: the relpeer browsers, then
// the mdns-browse --watch.
func views(bs []*relBrowser, watch *tail) [][]string {
	var out [][]string
	for i, b := range bs {
		_, v := browseEvents(b.tail.lines(), i)
		out = append(out, v)
	}
	_, v := browseEvents(watch.lines(), len(bs))
	return append(out, v)
}

// lastRemovals returns when the last remove of an instance named prefix…
// was printed by any browser.
func lastRemovals(bs []*relBrowser, watch *tail, prefix string) time.Time {
	var last time.Time
	all := [][]stamped{watch.lines()}
	for _, b := range bs {
		all = append(all, b.tail.lines())
	}
	for _, ls := range all {
		for _, p := range parse(ls) {
			if p.Event == "remove" && strings.HasPrefix(p.Instance, prefix) && p.stampOf().After(last) {
				last = p.stampOf()
			}
		}
	}
	return last
}
