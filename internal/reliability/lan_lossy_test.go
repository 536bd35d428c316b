package reliability

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// Lossy links on real sockets (issue 17 §1). Five hosts announce 20
// services with mdns-announce --file: two stable ones each, and two slots
// each whose service comes and goes (a new name every time, written to
// the file and loaded with SIGHUP). Three more hosts run
// `mdns-browse --watch --json`. Every host loses MDNS_REL_LOSS % of the
// mDNS packets it receives and duplicates MDNS_REL_DUP % of the multicast
// it sends (nftables, lan_net_test.go). Every MDNS_REL_LOSE_GOODBYES-th
// withdrawal has its goodbyes cut off at the sender, so that only TTL
// expiry or POOF (RFC 6762 §10.5) can remove it.
//
// Checked against the thresholds the script passes: no browser removes a
// service that is alive (at most MDNS_REL_MAX_SPURIOUS times), each
// browser reports each service within MDNS_REL_MAX_CONVERGE of its start,
// no name is renamed or reported twice (duplicated and reordered probes
// invent no conflict), every withdrawn service is removed, its goodbyes
// lost or not, within its SRV record's TTL, and at the end every browser
// shows exactly the services alive.
func TestLANLossy(t *testing.T) {
	form := scenario(t, "lossy")
	t.Parallel() // its namespaces are its own; mostly it waits
	im := impair{lossPct: form.int("LOSS", 10, 10), dupPct: form.int("DUP", 5, 5)}
	dur := form.duration("DURATION", time.Minute, 10*time.Minute)
	// The short form runs in CI next to the other LAN scenarios: its
	// bound leaves room for a busy machine (a short run on a shared
	// 2-core machine saw 6.6 s once; the 10-minute runs at 10 % stayed
	// under 5 s, RELIABILITY.md).
	maxConverge := form.duration("MAX_CONVERGE", 10*time.Second, 5*time.Second)
	maxSpurious := form.int("MAX_SPURIOUS", 0, 0) // negative: reported, not checked
	loseEvery := form.int("LOSE_GOODBYES", 3, 5)
	const announcers, browsers, stable, slots = 5, 3, 2, 2
	opts := testlan.Options{Hosts: announcers + browsers, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-browse"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		hosts := lan.Hosts()
		applyImpair(t, lan, hosts, im)
		c0 := sumCounters(t, hosts)

		var tails []*tail
		for b := range browsers {
			p := hosts[announcers+b].Start(t, lan.Bin("mdns-browse"), "--service", "_rel._tcp", "--watch", "--json")
			tails = append(tails, startTail(p.LogPath()))
		}
		rec := &runRecord{browsers: browsers, start: time.Now()}
		fleet := newFleet(t, lan, hosts[:announcers], stable, slots, rec)
		rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
		up, down := [2]time.Duration{20 * time.Second, 90 * time.Second}, [2]time.Duration{5 * time.Second, 20 * time.Second}
		if !form.full {
			// A minute must see withdrawals, some with their goodbyes cut.
			up, down = [2]time.Duration{10 * time.Second, 30 * time.Second}, [2]time.Duration{3 * time.Second, 10 * time.Second}
		}
		fleet.cycle(rnd, dur, loseEvery, up, down)
		// Let every withdrawal run its course: goodbyes lost, the SRV
		// record expires at the latest its TTL later.
		time.Sleep(staleAfter + 5*time.Second)
		rec.end = time.Now()
		c1 := sumCounters(t, hosts)

		finals := map[int][]string{}
		for b, tl := range tails {
			evs, final := browseEvents(tl.close(), b)
			rec.events = append(rec.events, evs...)
			finals[b] = final
		}
		rep := rec.analyse(maxConverge)
		alive := fleet.alive()
		var wrongViews []string
		for b := range browsers {
			if !slices.Equal(finals[b], alive) {
				wrongViews = append(wrongViews, fmt.Sprintf("h%d shows %q, alive: %q", announcers+b+1, finals[b], alive))
			}
		}
		unknown := fleet.unknownInstances(rec.events)
		renames := fleet.renames()

		lost := c1.Lost - c0.Lost
		rx := c1.RX - c0.RX
		fig := map[string]any{
			"lossPct": im.lossPct, "dupPct": im.dupPct, "minutes": dur.Minutes(),
			"registrations": len(rec.lives), "pairs": rep.pairs,
			"convergeMedianMs": ms(quantile(rep.converged, 0.5)), "convergeP90Ms": ms(quantile(rep.converged, 0.9)),
			"convergeP99Ms": ms(quantile(rep.converged, 0.99)), "convergeMaxMs": ms(quantile(rep.converged, 1)),
			"convergedOver": countOver(rep.converged, maxConverge), "missing": len(rep.missing),
			"spuriousRemoves": len(rep.spurious), "withdrawals": len(fleet.withdrawn()),
			"removedMedianMs": ms(quantile(rep.removedIn, 0.5)), "removedMaxMs": ms(quantile(rep.removedIn, 1)),
			"goodbyesCut": fleet.cut, "lostGoodbyeRemovals": len(rep.lostBye),
			"lostGoodbyeMedianMs": ms(quantile(rep.lostBye, 0.5)), "lostGoodbyeMaxMs": ms(quantile(rep.lostBye, 1)),
			"stale": len(rep.stale), "renames": renames, "unknownInstances": len(unknown), "wrongFinalViews": len(wrongViews),
			"packetsReceived": rx, "packetsLost": lost, "lossMeasuredPct": pct(lost, rx),
			"packetsSent": c1.TX - c0.TX, "packetsDuplicated": c1.Duplicated - c0.Duplicated,
			"dupMeasuredPct": pct(c1.Duplicated-c0.Duplicated, c1.TX-c0.TX),
		}
		figures(t, form, fmt.Sprintf("lossy-%d", im.lossPct), fig)
		t.Logf("%v; slowest: %q", rep, rep.slowest)

		for _, s := range rep.spurious {
			t.Logf("spurious: %s", s)
		}
		if maxSpurious >= 0 && len(rep.spurious) > maxSpurious {
			t.Errorf("%d spurious removes, threshold %d", len(rep.spurious), maxSpurious)
		}
		if n := countOver(rep.converged, maxConverge); n > 0 || len(rep.missing) > 0 {
			t.Errorf("%d reports later than %v and %d never reported: %v", n, maxConverge, len(rep.missing), rep.missing)
		}
		if len(rep.stale) > 0 {
			t.Errorf("withdrawn services never removed: %v", rep.stale)
		}
		if renames > 0 || len(unknown) > 0 {
			t.Errorf("conflicts invented: %d renames, instances no one registered: %v", renames, unknown)
		}
		if len(wrongViews) > 0 {
			t.Errorf("final views differ from the services alive:\n%s", strings.Join(wrongViews, "\n"))
		}
		if lost == 0 && im.lossPct > 0 {
			t.Error("nftables lost nothing: the run tested no loss")
		}
		if fleet.cut == 0 && loseEvery > 0 {
			t.Error("no withdrawal had its goodbyes cut off: the run tested no removal by TTL or POOF")
		}
	})
}

func countOver(ds []time.Duration, limit time.Duration) int {
	n := 0
	for _, d := range ds {
		if d > limit {
			n++
		}
	}
	return n
}

func pct(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a*10000/b) / 100
}

// browseEvents turns browser b's `mdns-browse --watch --json` lines into
// events, and returns the instances it shows at the end, sorted.
func browseEvents(ls []stamped, b int) ([]browseEvent, []string) {
	shown := map[string]bool{}
	var out []browseEvent
	for _, p := range parse(ls) {
		var kind mdns.EventKind
		switch p.Event {
		case "add":
			kind = mdns.EventAdd
			shown[p.Instance] = true
		case "update":
			kind = mdns.EventUpdate
		case "remove":
			kind = mdns.EventRemove
			delete(shown, p.Instance)
		default:
			continue
		}
		out = append(out, browseEvent{at: p.at, browser: b, kind: kind, instance: p.Instance})
	}
	final := make([]string, 0, len(shown))
	for n := range shown {
		final = append(final, n)
	}
	slices.Sort(final)
	return out, final
}

// fleet is the announcers: one mdns-announce --file per host, whose file
// the harness rewrites and reloads (SIGHUP) as services come and go.
type fleet struct {
	t     *testing.T
	lan   *testlan.LAN
	hosts []*testlan.Host
	procs []*testlan.Proc
	files []string
	rec   *runRecord
	// up[h][slot] is the live service of a slot ("" when down); stable
	// services are slots that never change.
	up    [][]*lifetime
	slots int
	next  []int // per host: the next cycling service number
	cut   int   // withdrawals whose goodbyes were cut off
}

func newFleet(t *testing.T, lan *testlan.LAN, hosts []*testlan.Host, stable, slots int, rec *runRecord) *fleet {
	f := &fleet{t: t, lan: lan, hosts: hosts, rec: rec, slots: slots, next: make([]int, len(hosts))}
	for hi, h := range hosts {
		f.up = append(f.up, make([]*lifetime, stable+slots))
		for s := range stable {
			f.up[hi][s] = f.startLife(hi, fmt.Sprintf("%s s%d", h.Name, s))
		}
		f.files = append(f.files, filepath.Join(lan.LogDir(), "services-"+h.Name+".json"))
		f.write(hi)
		p := h.Start(t, lan.Bin("mdns-announce"), "--file", f.files[hi], "--json")
		f.procs = append(f.procs, p)
	}
	for hi, p := range f.procs {
		if !p.WaitOutput(30*time.Second, `"event":"registered"`) {
			t.Fatalf("%s's announcer did not register:\n%s", hosts[hi].Name, p.Output())
		}
	}
	return f
}

func (f *fleet) startLife(hi int, name string) *lifetime {
	l := &lifetime{name: name, host: hi, start: time.Now()}
	f.rec.lives = append(f.rec.lives, l)
	return l
}

// write puts host hi's live services in its file.
func (f *fleet) write(hi int) {
	type svc struct {
		Instance string   `json:"instance"`
		Service  string   `json:"service"`
		Port     int      `json:"port"`
		Txt      []string `json:"txt"`
	}
	var list []svc
	for i, l := range f.up[hi] {
		if l != nil {
			list = append(list, svc{l.name, "_rel._tcp", 9000 + i, []string{"k=v"}})
		}
	}
	b, _ := json.Marshal(list)
	tmp := f.files[hi] + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		f.t.Fatal(err)
	}
	if err := os.Rename(tmp, f.files[hi]); err != nil {
		f.t.Fatal(err)
	}
}

// cycle toggles the cycling slots for dur: each service lives a random
// time in up, each slot rests a random time in down; every loseEvery-th
// withdrawal has its goodbyes cut off.
func (f *fleet) cycle(rnd *rand.Rand, dur time.Duration, loseEvery int, up, down [2]time.Duration) {
	between := func(r [2]time.Duration) time.Duration { return r[0] + time.Duration(rnd.Int64N(int64(r[1]-r[0])+1)) }
	first := len(f.up[0]) - f.slots
	due := make([][]time.Time, len(f.hosts))
	for hi := range f.hosts {
		due[hi] = make([]time.Time, len(f.up[hi]))
		for s := first; s < len(f.up[hi]); s++ {
			due[hi][s] = time.Now().Add(between(down))
		}
	}
	end := time.Now().Add(dur)
	withdrawals := 0
	for time.Now().Before(end) {
		for hi := range f.hosts {
			var starts, stops []int
			for s := first; s < len(f.up[hi]); s++ {
				if time.Now().Before(due[hi][s]) {
					continue
				}
				if f.up[hi][s] == nil {
					starts = append(starts, s)
				} else {
					stops = append(stops, s)
				}
			}
			lose := false
			for range stops {
				withdrawals++
				lose = lose || loseEvery > 0 && withdrawals%loseEvery == 0
			}
			if lose {
				starts = nil // they would be cut off too; next round
			}
			if len(starts)+len(stops) == 0 {
				continue
			}
			now := time.Now()
			for _, s := range stops {
				l := f.up[hi][s]
				l.stop, l.goodbyeLost = now, lose
				f.up[hi][s] = nil
				due[hi][s] = now.Add(between(down))
			}
			for _, s := range starts {
				f.next[hi]++
				f.up[hi][s] = f.startLife(hi, fmt.Sprintf("%s c%d #%d", f.hosts[hi].Name, s-first, f.next[hi]))
				due[hi][s] = now.Add(between(up))
			}
			f.write(hi)
			var restore func()
			if lose {
				f.cut++
				restore = cutOff(f.t, f.hosts[hi])
			}
			if err := f.procs[hi].Signal(syscall.SIGHUP); err != nil {
				f.t.Fatalf("SIGHUP %s's announcer: %v", f.hosts[hi].Name, err)
			}
			if lose {
				time.Sleep(1500 * time.Millisecond) // both goodbyes, 250 ms apart
				restore()
			}
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// alive returns the names of the services up now, sorted.
func (f *fleet) alive() []string {
	var out []string
	for _, ls := range f.up {
		for _, l := range ls {
			if l != nil {
				out = append(out, l.name)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (f *fleet) withdrawn() []*lifetime {
	var out []*lifetime
	for _, l := range f.rec.lives {
		if !l.stop.IsZero() {
			out = append(out, l)
		}
	}
	return out
}

// unknownInstances returns instance names the browsers reported that no
// announcer was asked to publish ("h1 s0 (2)" after an invented conflict).
func (f *fleet) unknownInstances(evs []browseEvent) []string {
	known := map[string]bool{}
	for _, l := range f.rec.lives {
		known[l.name] = true
	}
	var out []string
	for _, ev := range evs {
		if !known[ev.instance] && !slices.Contains(out, ev.instance) {
			out = append(out, ev.instance)
		}
	}
	return out
}

// renames counts the announcers' "renamed" lines and registrations under
// another name than requested.
func (f *fleet) renames() int {
	n := 0
	for _, p := range f.procs {
		for _, l := range strings.Split(p.Output(), "\n") {
			if strings.Contains(l, `"event":"renamed"`) || strings.Contains(l, `"requested":`) {
				n++
			}
		}
	}
	return n
}
