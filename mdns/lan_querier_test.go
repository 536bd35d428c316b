package mdns_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// Issue 5: our browser finds what Avahi (h1) and python-zeroconf (h2)
// publish — host, port, every address with IPv4 and IPv6 answers merged per
// instance (a link-local one with its zone, br0), TXT in wire order with an
// empty value, a boolean key and UTF-8 — and reports the remove about one
// second after their goodbye (RFC 6762 §10.1: a TTL 0 record is deleted one
// second later), not sooner and not much later.
func TestLANBrowseAvahiAndZeroconf(t *testing.T) {
	t.Parallel()
	needZeroconf(t)
	testlan.Run(t, testlan.Options{Hosts: 2, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h1.StartAvahi(t)
		c := lanListen(t, "gohost")
		l := browseLog(t, c, mdns.BrowseQuery{Type: "_peer._tcp"})

		avahiTXT := []string{"a=1", "empty=", "flag", "utf=ñandú"}
		avahiStart := time.Now()
		pub := h1.Start(t, "avahi-publish", append([]string{"-s", "Avahi Café", "_peer._tcp", "9001"}, avahiTXT...)...)
		if !pub.WaitOutput(10*time.Second, "Established") {
			t.Fatalf("avahi-publish:\n%s", pub.Output())
		}
		zcStart := time.Now()
		zc := zcPublish(t, h2, zcService{Type: "_peer._tcp.local.", Name: "Zeroconf Café", Port: 9002, Server: "h2.local.",
			Addrs: []string{h2.IPv4.String(), h2.IPv6.String(), h2.LinkLocal.String()},
			TXT:   [][2]string{{"a", "2"}, {"empty", ""}, {"utf", "ñandú"}}, Bools: []string{"flag"}})

		// Avahi publishes no link-local address next to a routable one.
		l.waitEntry(t, 5*time.Second, "Avahi Café", entryCheck("h1.local", 9001, avahiTXT, h1.IPv4, h1.IPv6))
		l.waitEntry(t, 5*time.Second, "Zeroconf Café",
			entryCheck("h2.local", 9002, []string{"a=2", "empty=", "utf=ñandú", "flag"}, h2.IPv4, h2.IPv6, ll(h2)))
		for _, e := range l.state() {
			if !slices.Equal(e.Entry.Ifaces, []string{lanIface}) || e.Entry.Type != "_peer._tcp" || e.Entry.Domain != "local" {
				t.Errorf("%q: type %q domain %q interfaces %v", e.Entry.Instance, e.Entry.Type, e.Entry.Domain, e.Entry.Ifaces)
			}
		}
		// The publishers probe first (RFC 6762 §8.1): these include that.
		for name, start := range map[string]time.Time{"Avahi Café": avahiStart, "Zeroconf Café": zcStart} {
			if add, ok := l.first(mdns.EventAdd, name); ok {
				t.Logf("%s: add %v after its publisher was started", name, add.at.Sub(start))
			}
		}

		for _, tc := range []struct {
			name string
			p    *testlan.Proc
		}{{"Avahi Café", pub}, {"Zeroconf Café", zc}} {
			t0 := time.Now()
			if err := tc.p.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			rm, ok := l.waitKind(5*time.Second, mdns.EventRemove, tc.name)
			if !ok {
				t.Fatalf("no remove of %q within 5s of its publisher's goodbye\nevents:\n%s", tc.name, l.dump())
			}
			d := rm.at.Sub(t0)
			t.Logf("%s: remove %v after SIGTERM to its publisher", tc.name, d)
			if d < 900*time.Millisecond || d > 2*time.Second {
				t.Errorf("%s: remove %v after the goodbye was triggered, want about 1 s (RFC 6762 §10.1; bounds 0.9–2 s)", tc.name, d)
			}
		}
		if err := zc.Wait(5 * time.Second); err != nil {
			t.Errorf("zeroconf publisher: %v\n%s", err, zc.Output())
		}
	})
}

// Issue 5 (RFC 6762 §5.2, §10): a publisher killed with SIGKILL sends no
// goodbye; our browser removes its instance when the records' TTL (4 s
// here) runs out — not before about 80 % of it (the refresh queries at
// 80–95 % go unanswered; that is all they may do) and not much after.
func TestLANBrowseRemoveAfterTTL(t *testing.T) {
	t.Parallel()
	needZeroconf(t)
	testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		h1 := lan.Host(1)
		const ttl = 4 * time.Second
		c := lanListen(t, "gohost")
		l := browseLog(t, c, mdns.BrowseQuery{Type: "_short._tcp"})
		zc := zcPublish(t, h1, zcService{Type: "_short._tcp.local.", Name: "Short Lived", Port: 9003, Server: "h1.local.",
			Addrs: []string{h1.IPv4.String()}, TXT: [][2]string{{"k", "v"}}, TTL: int(ttl / time.Second)})
		add := l.waitEntry(t, 5*time.Second, "Short Lived", entryCheck("h1.local", 9003, []string{"k=v"}, h1.IPv4))
		if err := zc.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		killed := time.Now()
		rm, ok := l.waitKind(ttl+5*time.Second, mdns.EventRemove, "Short Lived")
		if !ok {
			t.Fatalf("no remove within %v of SIGKILL\nevents:\n%s", ttl+5*time.Second, l.dump())
		}
		sinceAdd, sinceKill := rm.at.Sub(add.at), rm.at.Sub(killed)
		t.Logf("remove %v after the add (TTL %v, add reported TTL %v), %v after SIGKILL", sinceAdd, ttl, add.Entry.TTL, sinceKill)
		if sinceAdd < ttl*8/10 {
			t.Errorf("removed %v after the records arrived, before 80%% of their TTL %v", sinceAdd, ttl)
		}
		if sinceKill > ttl+2*time.Second {
			t.Errorf("removed %v after SIGKILL, want within TTL %v + 2 s", sinceKill, ttl)
		}
	})
}

// Issue 5 (RFC 6763 §9): service types published on three hosts by three
// implementations (Avahi on h1, python-zeroconf on h2, our mdns-announce
// on h3) are all enumerated by BrowseTypes — one type each only one of them
// publishes, so each implementation's enumeration answer counts — and the
// type they share is browsed with all three instances.
func TestLANBrowseTypesThreeHosts(t *testing.T) {
	t.Parallel()
	needZeroconf(t)
	opts := testlan.Options{Hosts: 3, Self: true, Binaries: []string{"./cmd/mdns-announce"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2, h3 := lan.Host(1), lan.Host(2), lan.Host(3)
		h1.StartAvahi(t)
		for _, args := range [][]string{{"Tri Avahi", "_tri._tcp", "9101"}, {"Only Avahi", "_tri-a._tcp", "9102"}} {
			p := h1.Start(t, "avahi-publish", append([]string{"-s"}, args...)...)
			if !p.WaitOutput(10*time.Second, "Established") {
				t.Fatalf("avahi-publish:\n%s", p.Output())
			}
		}
		// Both address families: with one, python-zeroconf adds an NSEC
		// record our parser refuses (TestLANBrowseZeroconfNSEC).
		zcAddrs := []string{h2.IPv4.String(), h2.IPv6.String()}
		zcPublish(t, h2,
			zcService{Type: "_tri._tcp.local.", Name: "Tri Zeroconf", Port: 9201, Server: "h2.local.", Addrs: zcAddrs},
			zcService{Type: "_tri-z._tcp.local.", Name: "Only Zeroconf", Port: 9202, Server: "h2.local.", Addrs: zcAddrs})
		file := filepath.Join(t.TempDir(), "services.json")
		if err := os.WriteFile(file, []byte(`[{"instance":"Tri Ours","service":"_tri._tcp","port":9301},
			{"instance":"Only Ours","service":"_tri-o._tcp","port":9302}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		ann := h3.Start(t, lan.Bin("mdns-announce"), "--file", file, "--json", "--interface", h3.Iface)
		if !poll(15*time.Second, func() bool {
			out := ann.Output()
			return strings.Count(out, `"event":"registered"`) == 2
		}) {
			t.Fatalf("mdns-announce did not register both:\n%s", ann.Output())
		}

		c := lanListen(t, "gohost")
		want := []string{"_tri-a._tcp", "_tri-o._tcp", "_tri-z._tcp", "_tri._tcp"}
		var mu sync.Mutex
		seen := map[string]int{}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		start := time.Now()
		errAll := errors.New("all seen")
		err := c.BrowseTypes(ctx, "", func(ev mdns.TypeEvent) error {
			mu.Lock()
			defer mu.Unlock()
			if ev.Domain != "local" {
				t.Errorf("type event in domain %q: %+v", ev.Domain, ev)
			}
			if ev.Kind == mdns.EventAdd {
				seen[ev.Type]++
			}
			for _, w := range want {
				if seen[w] == 0 {
					return nil
				}
			}
			return errAll
		})
		if err != errAll {
			t.Fatalf("BrowseTypes: %v; saw %v, want %v", err, seen, want)
		}
		t.Logf("all four types enumerated after %v", time.Since(start))
		for typ, n := range seen {
			if n != 1 {
				t.Errorf("type %s added %d times, want once", typ, n)
			}
		}

		l := browseLog(t, c, mdns.BrowseQuery{Type: "_tri._tcp"})
		for name, host := range map[string]string{"Tri Avahi": "h1.local", "Tri Zeroconf": "h2.local", "Tri Ours": "h3.local"} {
			l.waitEntry(t, 5*time.Second, name, func(e mdns.ServiceEntry) string {
				if e.Host != host {
					return "host " + e.Host + ", want " + host
				}
				return ""
			})
		}
	})
}

// Issue 5 (interop, robustness): python-zeroconf 0.47 answers a query
// about a host with one address family with an NSEC record (RFC 6762 §6.1)
// whose type bitmap starts with an empty window block — malformed by RFC
// 4034 §4.1.2 ("blocks with no types present MUST NOT be included"). Avahi
// resolves such a service anyway; a browser that starts after the service
// was announced (so it learns only from those answers) must too, from the
// well-formed records of the packet.
func TestLANBrowseZeroconfNSEC(t *testing.T) {
	t.Parallel()
	needZeroconf(t)
	testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		h1 := lan.Host(1)
		zcPublish(t, h1, zcService{Type: "_vfour._tcp.local.", Name: "IPv4 Only", Port: 9401, Server: "h1.local.",
			Addrs: []string{h1.IPv4.String()}, TXT: [][2]string{{"k", "v"}}})
		c := lanListen(t, "gohost")
		l := browseLog(t, c, mdns.BrowseQuery{Type: "_vfour._tcp"})
		if !poll(5*time.Second, func() bool { _, ok := l.state()["IPv4 Only"]; return ok }) {
			t.Fatalf("python-zeroconf's IPv4-only service not resolved within 5s; stats %+v (DroppedMalformed counts its answers)\nevents:\n%s",
				c.Stats(), l.dump())
		}
		l.waitEntry(t, time.Second, "IPv4 Only", entryCheck("h1.local", 9401, []string{"k=v"}, h1.IPv4))
	})
}
