package reliability

import (
	"encoding/json"
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

// The long run (issue 17 §5). Three hosts announce with mdns-announce
// --file, two stable services and two that come and go each (SIGHUP
// reloads, as in the lossy scenario, without loss). On h4 the library
// registers and withdraws services (relpeer churn, batch after batch,
// each batch a process of its own); on h5 mdns-announce processes are
// started and SIGKILLed one after another. Two relpeer browsers (h6, h7)
// report their cache, heap and goroutines; mdns-browse --watch runs on
// h8. All browse the one type, so every browser sees all the churn.
//
// The two kinds of churn run on hosts of their own: two mdnskit
// processes on one host publish the same address records, and when one
// closes, its goodbyes for them remove the other's services from the
// browsers until it answers again (see RELIABILITY.md, "Long run").
//
// Every MDNS_REL_SOAK_SAMPLE the harness records each long-lived
// process's RSS (/proc), the relpeer browsers' goroutines, heap and
// cache, the mDNS packets sent and received on the LAN (nftables counters
// in every host, no loss) and the browsers' events. After
// MDNS_REL_SOAK_DURATION the churn stops and the LAN drains for a SRV TTL
// (killed services expire) before the last sample: 120 s, or
// MDNS_REL_SOAK_KILL_TTL, the killed announcers' --ttl (20 s in the short
// form).
//
// Checked: every long-lived process's RSS at the end within
// MDNS_REL_SOAK_MAX_RSS_GROWTH_KB of its RSS after the warm-up, the
// relpeer browsers' live heap within MDNS_REL_SOAK_MAX_HEAP_GROWTH_KB and
// their goroutines no more than after the warm-up; no browser removes a
// service that is alive, each reports each service within
// MDNS_REL_SOAK_MAX_CONVERGE (15 s: it is measured from the start of
// the mdns-announce process, on a machine the soak shares; the lossy
// scenario pins convergence), every withdrawn or killed service is
// removed, no conflict is invented, each churn batch ends with its
// goroutines back at its baseline, and every browser's final view is the
// set of services alive.
func TestLANSoak(t *testing.T) {
	form := scenario(t, "soak")
	t.Parallel() // its namespaces are its own; mostly it waits
	cfg := soakConfig{
		duration: form.duration("SOAK_DURATION", 2*time.Minute, time.Hour),
		sample:   form.duration("SOAK_SAMPLE", 30*time.Second, time.Minute),
		warmup:   form.duration("SOAK_WARMUP", 30*time.Second, 5*time.Minute),
		killHold: form.duration("SOAK_KILL_HOLD", 10*time.Second, 20*time.Second),
		// As in the churn scenario, the short form's killed announcers
		// publish with a 20-s TTL so that the drain fits CI's minutes.
		killTTL:       form.duration("SOAK_KILL_TTL", 20*time.Second, 0),
		batch:         form.int("SOAK_CHURN_CYCLES", 20, 50),
		maxRSSGrowth:  form.int("SOAK_MAX_RSS_GROWTH_KB", 4096, 4096),
		maxHeapGrowth: form.int("SOAK_MAX_HEAP_GROWTH_KB", 2048, 2048),
		maxConverge:   form.duration("SOAK_MAX_CONVERGE", 15*time.Second, 15*time.Second),
	}
	if cfg.warmup >= cfg.duration {
		t.Fatalf("MDNS_REL_SOAK_WARMUP %v leaves nothing of MDNS_REL_SOAK_DURATION %v", cfg.warmup, cfg.duration)
	}
	const announcers = 3
	opts := testlan.Options{Hosts: 8, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-browse", "./internal/reliability/relpeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		s := &soak{t: t, form: form, lan: lan, cfg: cfg, hosts: lan.Hosts()}
		s.run(announcers)
	})
}

type soakConfig struct {
	duration, sample, warmup, killHold, killTTL, maxConverge time.Duration
	batch, maxRSSGrowth, maxHeapGrowth                       int
}

// soak is one run of TestLANSoak.
type soak struct {
	t     *testing.T
	form  *runForm
	lan   *testlan.LAN
	cfg   soakConfig
	hosts []*testlan.Host

	peers []*relBrowser
	watch *tail
	// long are the processes whose RSS is followed, by name.
	long map[string]*testlan.Proc

	mu    sync.Mutex // guards what the churn goroutines record
	kills []*lifetime
	lib   libChurn

	samples []soakSample
	log     *os.File
}

// libChurn sums what the relpeer churn batches reported.
type libChurn struct {
	batches, cycles, failed, renamed, conflicts int
	leaks                                       []string
}

// soakSample is one row of the soak's per-minute table.
type soakSample struct {
	Minute     float64        `json:"minute"` // since the start of the load
	Phase      string         `json:"phase"`  // "load" or "drain"
	RSSKB      map[string]int `json:"rssKB"`
	Goroutines []int          `json:"goroutines"` // the relpeer browsers'
	HeapKB     []int          `json:"heapKB"`
	Cache      []int          `json:"cache"`
	SentPerMin float64        `json:"sentPerMin"` // mDNS packets sent on the LAN
	RecvPerMin float64        `json:"recvPerMin"` // and received, every host summed
	Events     map[string]int `json:"events"`     // browsers' events since the last sample
	Kills      int            `json:"kills"`      // processes SIGKILLed so far
	LibCycles  int            `json:"libCycles"`  // library registrations withdrawn so far
}

func (s *soak) run(announcers int) {
	t, cfg := s.t, s.cfg
	const typ = simType
	applyImpair(t, s.lan, s.hosts, impair{}) // counters, no loss
	var err error
	if s.log, err = os.Create(filepath.Join(s.lan.LogDir(), "soak-samples.jsonl")); err != nil {
		t.Fatal(err)
	}
	defer s.log.Close()

	for _, h := range s.hosts[5:7] {
		s.peers = append(s.peers, startRelBrowser(t, s.lan, h, "-type", typ, "-stats", "5s"))
	}
	wp := s.hosts[7].Start(t, s.lan.Bin("mdns-browse"), "--service", typ, "--watch", "--json")
	s.watch = startTail(wp.LogPath())
	rec := &runRecord{browsers: 3, start: time.Now()}
	fleet := newFleet(t, s.lan, s.hosts[:announcers], 2, 2, rec)
	s.long = map[string]*testlan.Proc{"h8 mdns-browse": wp}
	for i, p := range fleet.procs {
		s.long[fmt.Sprintf("h%d mdns-announce", i+1)] = p
	}
	for i, b := range s.peers {
		s.long[fmt.Sprintf("h%d relpeer", 6+i)] = b.proc
	}

	start := time.Now()
	end := start.Add(cfg.duration)
	var wg sync.WaitGroup
	wg.Go(func() {
		rnd := rand.New(rand.NewPCG(uint64(start.UnixNano()), 2))
		fleet.cycle(rnd, cfg.duration, 0, [2]time.Duration{20 * time.Second, 90 * time.Second}, [2]time.Duration{5 * time.Second, 20 * time.Second})
	})
	wg.Go(func() { s.killLoop(end, typ) })
	wg.Go(func() { s.libLoop(end, typ) })
	loadDone := make(chan struct{})
	go func() { wg.Wait(); close(loadDone) }()

	// Sample through the load, then through the drain: a killed service's
	// SRV and addresses expire at their TTL, §10.4 reconfirmation takes
	// its PTR and TXT within 10 s.
	prev := sumCounters(t, s.hosts)
	prevAt := start
	var base *soakSample
	tick := time.NewTicker(cfg.sample)
	defer tick.Stop()
	drainEnd := time.Time{}
	phase := "load"
	for {
		select {
		case <-loadDone:
			loadDone = nil
			phase = "drain"
			drainEnd = time.Now().Add((&lifetime{ttl: cfg.killTTL}).staleAfter() + 20*time.Second)
			t.Logf("soak: load ended after %v; draining until %v", time.Since(start).Round(time.Second), drainEnd.Format(time.TimeOnly))
			continue
		case <-tick.C:
		}
		last := !drainEnd.IsZero() && !time.Now().Before(drainEnd)
		if last {
			time.Sleep(6 * time.Second) // a fresh stats line from each relpeer browser
		}
		smp, counters := s.sample(start, prevAt, prev, phase)
		prev, prevAt = counters, time.Now()
		if base == nil && time.Since(start) >= cfg.warmup {
			base = &smp
		}
		if last {
			break
		}
	}
	rec.end = time.Now()
	final := s.samples[len(s.samples)-1]
	if base == nil {
		t.Fatal("soak: no sample after the warm-up")
	}

	// Views, lifetimes and events.
	s.mu.Lock()
	rec.lives = append(rec.lives, s.kills...)
	lib := s.lib
	s.mu.Unlock()
	alive := fleet.alive()
	var wrongViews []string
	for b, tl := range append(s.tails(), s.watch) {
		evs, v := browseEvents(tl.lines(), b)
		rec.events = append(rec.events, evs...)
		if !slices.Equal(v, alive) {
			wrongViews = append(wrongViews, fmt.Sprintf("browser %d shows %q, alive: %q", b+1, v, alive))
		}
	}
	rep := rec.analyse(cfg.maxConverge)
	var unknown []string
	for _, n := range fleet.unknownInstances(rec.events) {
		if !strings.HasPrefix(n, "lib ") || strings.Contains(n, "(") {
			unknown = append(unknown, n)
		}
	}
	renames := fleet.renames()

	fig := map[string]any{
		"minutes": cfg.duration.Minutes(), "sampleSeconds": cfg.sample.Seconds(), "warmupMinutes": cfg.warmup.Minutes(),
		"killTTLSeconds": cfg.killTTL.Seconds(),
		"registrations":  len(rec.lives) - len(s.kills), "kills": len(s.kills),
		"libBatches": lib.batches, "libCycles": lib.cycles, "libFailed": lib.failed, "libRenamed": lib.renamed, "libLeaks": len(lib.leaks),
		"pairs": rep.pairs, "convergeMedianMs": ms(quantile(rep.converged, 0.5)), "convergeP99Ms": ms(quantile(rep.converged, 0.99)),
		"convergeMaxMs": ms(quantile(rep.converged, 1)), "missing": len(rep.missing), "spuriousRemoves": len(rep.spurious),
		"removedMedianMs": ms(quantile(rep.removedIn, 0.5)), "removedMaxMs": ms(quantile(rep.removedIn, 1)),
		"stale": len(rep.stale), "renames": renames, "unknownInstances": len(unknown), "wrongFinalViews": len(wrongViews),
		"rssKBAfterWarmup": base.RSSKB, "rssKBFinal": final.RSSKB, "rssKBMax": s.maxRSS(base.Minute),
		"goroutinesAfterWarmup": base.Goroutines, "goroutinesFinal": final.Goroutines,
		"heapKBAfterWarmup": base.HeapKB, "heapKBFinal": final.HeapKB, "cacheAfterWarmup": base.Cache, "cacheFinal": final.Cache,
		"sentPerMinMean": s.meanSent(), "events": s.totalEvents(), "perMinute": s.samples,
	}
	figures(t, s.form, "soak", fig)
	t.Logf("%v; slowest: %q", rep, rep.slowest)

	// Thresholds.
	for name, kb := range final.RSSKB {
		if b, ok := base.RSSKB[name]; ok && kb > b+cfg.maxRSSGrowth {
			t.Errorf("%s: RSS %d kB at the end, %d kB after the warm-up (allowed growth %d kB)", name, kb, b, cfg.maxRSSGrowth)
		}
	}
	for i := range s.peers {
		if final.HeapKB[i] > base.HeapKB[i]+cfg.maxHeapGrowth {
			t.Errorf("browser %d: heap %d kB at the end, %d kB after the warm-up", i+1, final.HeapKB[i], base.HeapKB[i])
		}
		if final.Goroutines[i] > base.Goroutines[i] {
			t.Errorf("browser %d: %d goroutines at the end, %d after the warm-up", i+1, final.Goroutines[i], base.Goroutines[i])
		}
	}
	for _, x := range rep.spurious {
		t.Errorf("spurious: %s", x)
	}
	if len(rep.missing) > 0 || countOver(rep.converged, cfg.maxConverge) > 0 {
		t.Errorf("%d reports later than %v, never reported: %v", countOver(rep.converged, cfg.maxConverge), cfg.maxConverge, rep.missing)
	}
	if len(rep.stale) > 0 {
		t.Errorf("withdrawn or killed services never removed: %v", rep.stale)
	}
	if renames > 0 || len(unknown) > 0 || lib.renamed > 0 {
		t.Errorf("conflicts invented: %d announcer renames, %d library renames, instances no one registered: %v", renames, lib.renamed, unknown)
	}
	if lib.failed > 0 || len(lib.leaks) > 0 {
		t.Errorf("library churn: %d registrations failed; goroutines left after Close: %v", lib.failed, lib.leaks)
	}
	if len(wrongViews) > 0 {
		t.Errorf("final views differ from the services alive:\n%s", strings.Join(wrongViews, "\n"))
	}
	if len(s.kills) == 0 || lib.cycles == 0 || fleet.next[0] == 0 {
		t.Errorf("the soak churned too little: %d kills, %d library cycles, %d services cycled on h1", len(s.kills), lib.cycles, fleet.next[0])
	}
}

func (s *soak) tails() []*tail {
	out := make([]*tail, len(s.peers))
	for i, b := range s.peers {
		out[i] = b.tail
	}
	return out
}

// killLoop starts mdns-announce processes on h5 one after another and
// SIGKILLs each a random time up to killHold after it is established.
func (s *soak) killLoop(end time.Time, typ string) {
	h := s.hosts[4]
	rnd := rand.New(rand.NewPCG(uint64(end.UnixNano()), 3))
	for i := 0; time.Now().Before(end); i++ {
		name := fmt.Sprintf("kill %d", i)
		l := &lifetime{name: name, host: 4, start: time.Now(), ttl: s.cfg.killTTL}
		p := h.Start(s.t, s.lan.Bin("mdns-announce"), announceArgs(name, typ, 20000+i%10000, s.cfg.killTTL)...)
		if !p.WaitOutput(30*time.Second, "registered") {
			s.t.Errorf("%s did not register:\n%s", name, p.Output())
			_ = p.Signal(syscall.SIGKILL)
			return
		}
		time.Sleep(time.Duration(rnd.Int64N(int64(s.cfg.killHold) + 1)))
		l.stop = time.Now()
		_ = p.Signal(syscall.SIGKILL)
		_ = p.Wait(10 * time.Second)
		s.mu.Lock()
		s.kills = append(s.kills, l)
		s.mu.Unlock()
		time.Sleep(time.Duration(rnd.Int64N(int64(s.cfg.killHold)/2 + 1)))
	}
}

// libLoop runs relpeer churn batches on h4 until end: each registers and
// withdraws batch services through the library, four at a time, and
// reports whether its goroutines returned to their baseline after Close.
func (s *soak) libLoop(end time.Time, typ string) {
	h := s.hosts[3]
	for b := 0; time.Now().Before(end); b++ {
		p := h.Start(s.t, s.lan.Bin("relpeer"), "churn", "-type", typ, "-cycles", fmt.Sprint(s.cfg.batch),
			"-workers", "4", "-hold", "3s", "-prefix", fmt.Sprintf("lib %d", b))
		if err := p.Wait(time.Duration(s.cfg.batch)*time.Second + 2*time.Minute); err != nil {
			s.t.Errorf("relpeer churn batch %d: %v\n%s", b, err, p.Output())
			return
		}
		var done jsonLine
		for _, l := range parse(linesOf(p.Output())) {
			if l.Event == "done" {
				done = l.jsonLine
			}
		}
		s.mu.Lock()
		s.lib.batches++
		s.lib.cycles += done.Cycles
		s.lib.failed += done.Failed + s.cfg.batch - done.Cycles
		s.lib.renamed += done.Renamed
		s.lib.conflicts += done.Conflicts
		if done.Goroutines > done.Baseline {
			s.lib.leaks = append(s.lib.leaks, fmt.Sprintf("batch %d: %d goroutines, baseline %d", b, done.Goroutines, done.Baseline))
		}
		s.mu.Unlock()
		time.Sleep(5 * time.Second)
	}
}

// sample takes one row of the table and logs it.
func (s *soak) sample(start, prevAt time.Time, prev netCounters, phase string) (soakSample, netCounters) {
	t := s.t
	c := sumCounters(t, s.hosts)
	since := time.Since(prevAt).Minutes()
	smp := soakSample{Minute: time.Since(start).Minutes(), Phase: phase, RSSKB: map[string]int{},
		SentPerMin: float64(c.TX-prev.TX) / since, RecvPerMin: float64(c.RX-prev.RX) / since, Events: map[string]int{}}
	for name, p := range s.long {
		if p.Exited() {
			t.Errorf("%s exited during the soak:\n%s", name, p.Output())
			continue
		}
		smp.RSSKB[name] = pidRSS(p.Pid())
	}
	for _, snap := range snapshots(s.peers) {
		smp.Goroutines = append(smp.Goroutines, snap.Goroutines)
		smp.HeapKB = append(smp.HeapKB, snap.HeapKB)
		smp.Cache = append(smp.Cache, snap.Cache)
	}
	for _, tl := range append(s.tails(), s.watch) {
		for _, p := range parse(tl.lines()) {
			if p.at.After(prevAt) && (p.Event == "add" || p.Event == "remove" || p.Event == "update") {
				smp.Events[p.Event]++
			}
		}
	}
	s.mu.Lock()
	smp.Kills, smp.LibCycles = len(s.kills), s.lib.cycles
	s.mu.Unlock()
	s.samples = append(s.samples, smp)
	b, _ := json.Marshal(smp)
	t.Logf("soak sample: %s", b)
	_, _ = s.log.Write(append(b, '\n'))
	return smp, c
}

// maxRSS is each process's largest RSS from minute from on.
func (s *soak) maxRSS(from float64) map[string]int {
	out := map[string]int{}
	for _, smp := range s.samples {
		if smp.Minute < from {
			continue
		}
		for n, kb := range smp.RSSKB {
			out[n] = max(out[n], kb)
		}
	}
	return out
}

func (s *soak) meanSent() float64 {
	var sum float64
	n := 0
	for _, smp := range s.samples {
		if smp.Phase == "load" {
			sum += smp.SentPerMin
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func (s *soak) totalEvents() map[string]int {
	out := map[string]int{}
	for _, smp := range s.samples {
		for k, v := range smp.Events {
			out[k] += v
		}
	}
	return out
}

// pidRSS is a process's resident memory in kB, from /proc (0 if gone).
func pidRSS(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			var n int
			_, _ = fmt.Sscan(f[1], &n)
			return n
		}
	}
	return 0
}
