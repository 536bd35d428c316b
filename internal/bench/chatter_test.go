package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Chattiness, counted exactly on the virtual clock of mdnstest: how many
// packets and bytes (UDP payload) each host puts on the link, IPv4 and IPv6
// together, in a service's first minute, in the idle hour after it, and
// for the goodbyes at Close. Random delays come from a seeded source, so
// every run gives the same numbers. Run with -v to see the tables that
// BENCH.md reports; the checks are RFC 6762 bounds, so a change that makes
// us chattier than the protocol allows fails here.

// traffic counts one host's packets in one phase.
type traffic struct {
	queries, responses int
	bytes              int
}

func (t traffic) packets() int { return t.queries + t.responses }

func (t traffic) String() string {
	return fmt.Sprintf("%4d packets (%3d queries, %4d responses) %7d bytes", t.packets(), t.queries, t.responses, t.bytes)
}

// phase is a time window relative to the start of a scenario.
type phase struct {
	name     string
	from, to time.Duration
}

var (
	firstMinute = phase{"first minute", 0, time.Minute}
	// quiet is the window of the idle budget (10–120 s after the start).
	quiet    = phase{"10-120 s", 10 * time.Second, 120 * time.Second}
	idleHour = phase{"idle hour (min 1-61)", time.Minute, 61 * time.Minute}
)

// count tallies the packets each host sent within ph.
func count(l *mdnstest.Link, start time.Time, ph phase) map[string]traffic {
	out := map[string]traffic{}
	for _, p := range l.Packets() {
		at := p.Time.Sub(start)
		if at < ph.from || at >= ph.to || len(p.Data) < 12 {
			continue
		}
		t := out[p.Host]
		if isResponse(p.Data) {
			t.responses++
		} else {
			t.queries++
		}
		t.bytes += len(p.Data)
		out[p.Host] = t
	}
	return out
}

// queryTimes are the send times of host's queries on one family.
func queryTimes(l *mdnstest.Link, host string, v4 bool, start time.Time) []time.Duration {
	var out []time.Duration
	for _, p := range l.Packets() {
		if p.Host == host && len(p.Data) >= 12 && !isResponse(p.Data) && p.Dst.Addr().Is4() == v4 {
			out = append(out, p.Time.Sub(start))
		}
	}
	return out
}

// scenario is a link with a publisher (h1) of n services, unless n is 0,
// and a browser of _http._tcp (h2) if browse is set, run for 61 minutes
// and then closed.
type scenario struct {
	name   string
	n      int
	browse bool
}

type result struct {
	phases  map[string]map[string]traffic // phase → host → traffic
	queries []time.Duration               // h2's IPv4 queries
}

func listenSeeded(t *testing.T, h *mdnstest.Host, seed uint64) *mdns.Conn {
	t.Helper()
	c, err := mdns.Listen(mdns.Config{Network: h, Rand: rand.New(rand.NewPCG(seed, seed))})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (sc scenario) run(t *testing.T) result {
	var res result
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{LogSize: 1 << 20})
		defer link.Close()
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer h1.Close()
		defer h2.Close()
		start := time.Now()
		var pub, brw *mdns.Conn
		if sc.n > 0 {
			pub = listenSeeded(t, h1, 1)
			for i := range sc.n {
				go func() {
					_, err := pub.Register(context.Background(), mdns.Service{
						Instance: fmt.Sprintf("Bench Web %d", i), Type: "_http._tcp", Port: 8080,
						Text: [][]byte{[]byte("path=/"), []byte("v=1")},
					})
					if err != nil {
						t.Errorf("register %d: %v", i, err)
					}
				}()
				// One at a time into the loop, so the seeded random
				// delays go to the same registrations in every run.
				synctest.Wait()
			}
		}
		var mu sync.Mutex
		found := map[string]bool{}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		if sc.browse {
			brw = listenSeeded(t, h2, 2)
			go func() {
				defer close(done)
				brw.Browse(ctx, mdns.BrowseQuery{Type: "_http._tcp"}, func(ev mdns.BrowseEvent) error {
					mu.Lock()
					found[ev.Entry.Instance] = ev.Kind != mdns.EventRemove
					mu.Unlock()
					return nil
				})
			}()
		} else {
			close(done)
		}
		mdnstest.Advance(61 * time.Minute)
		if sc.browse && sc.n > 0 {
			mu.Lock()
			present := 0
			for _, ok := range found {
				if ok {
					present++
				}
			}
			mu.Unlock()
			if present != sc.n {
				t.Errorf("%s: the browser holds %d of %d services after an hour", sc.name, present, sc.n)
			}
		}
		cancel()
		<-done
		closeAt := time.Now()
		for _, c := range []*mdns.Conn{pub, brw} {
			if c != nil {
				c.Close()
			}
		}
		mdnstest.Advance(5 * time.Second)
		goodbye := phase{"Close (goodbyes)", closeAt.Sub(start), closeAt.Sub(start) + 5*time.Second}
		res.phases = map[string]map[string]traffic{}
		for _, ph := range []phase{firstMinute, quiet, idleHour, goodbye} {
			res.phases[ph.name] = count(link, start, ph)
		}
		res.queries = queryTimes(link, "h2", true, start)
		var b strings.Builder
		fmt.Fprintf(&b, "%s:\n", sc.name)
		for _, ph := range []phase{firstMinute, quiet, idleHour, goodbye} {
			for _, h := range []string{"h1", "h2"} {
				if tr, ok := res.phases[ph.name][h]; ok {
					role := map[string]string{"h1": "publisher", "h2": "browser"}[h]
					fmt.Fprintf(&b, "  %-22s %-9s %v\n", ph.name, role, tr)
				}
			}
		}
		t.Log(b.String())
	})
	return res
}

// One service, nobody asking: after probing and announcing (RFC 6762
// §8.1: 3 probes; §8.3: at least 2 announcements) a responder has no
// reason to speak until it says goodbye.
func TestChatterPublisherAlone(t *testing.T) {
	r := scenario{name: "1 service, no browser", n: 1}.run(t)
	first := r.phases[firstMinute.name]["h1"]
	if first.queries < 2*3 || first.responses < 2*2 {
		t.Errorf("first minute: %v; want at least 3 probes and 2 announcements per family", first)
	}
	if idle := r.phases[idleHour.name]["h1"]; idle.packets() != 0 {
		t.Errorf("idle hour with no querier: %v, want silence", idle)
	}
	if bye := r.phases["Close (goodbyes)"]["h1"]; bye.responses < 2*2 {
		t.Errorf("Close: %v, want 2 goodbyes per family (RFC 6762 §10.1)", bye)
	}
}

// One service and one browser for an hour: the browser's continuous query
// backs off (§5.2) and its cache refreshes records at 80–95 % of their TTL
// (120 s for SRV and A, 75 min for PTR and TXT, §10), which the publisher
// answers.
func TestChatterOneServiceOneBrowser(t *testing.T) {
	r := scenario{name: "1 service, 1 browser", n: 1, browse: true}.run(t)
	idle := r.phases[idleHour.name]
	// Refreshing 120 s records at most 4 times per TTL and per family:
	// an hour is 30 TTLs.
	if q := idle["h2"].queries; q > 2*4*30 {
		t.Errorf("browser sent %d queries in the idle hour, more than refreshing 120 s records needs", q)
	}
	if rs := idle["h1"].responses; rs > idle["h2"].queries {
		t.Errorf("publisher sent %d responses to %d queries", rs, idle["h2"].queries)
	}
	// The idle budget, both families counted: the browser's continuous
	// PTR queries (15, 31, 63 s) and one combined refresh at 80 % of the
	// 120 s TTL, answered once (TestLANIdlePairQuiet checks the same on
	// real sockets).
	q := r.phases[quiet.name]
	if q["h1"].packets() > 3 || q["h2"].queries > 8 {
		t.Errorf("10-120 s: publisher %v, browser %v; budget 3 packets and 8 queries", q["h1"], q["h2"])
	}
}

// A browser alone on the link: its PTR query goes out after 20–120 ms, then
// at intervals that start at 1 s and double, up to an hour (RFC 6762 §5.2).
func TestChatterIdleBrowser(t *testing.T) {
	r := scenario{name: "idle browser, nothing to find", browse: true}.run(t)
	qs := r.queries
	t.Logf("idle browser's IPv4 queries at %v", qs)
	if len(qs) < 2 || len(qs) > 14 {
		t.Fatalf("%d IPv4 queries in an hour, want the doubling schedule's 12 or 13", len(qs))
	}
	if qs[0] < 20*time.Millisecond || qs[0] > 120*time.Millisecond {
		t.Errorf("first query at %v, want 20–120 ms", qs[0])
	}
	for i := 2; i < len(qs); i++ {
		prev, gap := qs[i-1]-qs[i-2], qs[i]-qs[i-1]
		if gap < time.Second || gap < prev*19/10 {
			t.Errorf("query %d: gap %v after a gap of %v, want at least 1 s and doubling", i, gap, prev)
		}
	}
}

// 100 services on one host with a browser: the load of a busy host.
func TestChatterHundredServices(t *testing.T) {
	r := scenario{name: "100 services on one host, 1 browser", n: 100, browse: true}.run(t)
	first := r.phases[firstMinute.name]["h1"]
	// Probes and announcements aggregate (RFC 6762 §8.1, §6): far fewer
	// packets than 100 services × (3 probes + 2 announcements).
	if first.packets() > 100*5 {
		t.Errorf("first minute: %v, no aggregation", first)
	}
}
