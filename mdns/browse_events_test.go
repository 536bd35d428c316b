package mdns_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"github.com/miekg/dns"
)

// One announcement is enough for a browser to report a complete instance,
// with every field and the instance name unescaped exactly.
func TestBrowseAddFromAnnouncement(t *testing.T) {
	names := []struct{ raw, wire string }{
		{"Café", `Caf\195\169`},
		{"My Printer.2nd floor", `My\ Printer\.2nd\ floor`},
		{`back\slash "q"`, `back\\slash\ \"q\"`},
		{"plain", "plain"},
	}
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		for i, n := range names {
			respond(t, e.link, peer4, serviceRRs(n.wire, uint16(8000+i), 4500, "path=/x", "flag")...)
		}
		evs := r.events()
		if len(evs) != len(names) {
			t.Fatalf("events %v, want one add per instance", kinds(evs))
		}
		for i, n := range names {
			got := evs[i].Entry
			want := mdns.ServiceEntry{
				Instance: n.raw, Type: "_http._tcp", Domain: "local", Host: "web.local",
				Port: uint16(8000 + i), Text: [][]byte{[]byte("path=/x"), []byte("flag")},
				Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.5")}, Ifaces: []string{"eth0"},
				TTL: 75 * time.Minute, // the SRV's TTL, 4500 s
			}
			if evs[i].Kind != mdns.EventAdd || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
				t.Errorf("event %d: %v %+v\nwant add %+v", i, evs[i].Kind, got, want)
			}
		}
	})
}

// IPv4 and IPv6 answers merge into one instance; a link-local IPv6
// address carries the zone of the interface it was heard on.
func TestBrowseMergesFamiliesWithZone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		rrs := serviceRRs("A", 80, 4500)
		rrs[3] = aaaaRR("web.local.", "fe80::5", 120)
		respond(t, e.link, peer6, append(rrs, aaaaRR("web.local.", "fd00::5", 120))...)
		respond(t, e.link, peer4, aRR("web.local.", "10.0.0.5", 120, true))
		evs := r.events()
		if got := kinds(evs); len(got) != 2 || got[0] != "add A" || got[1] != "update A" {
			t.Fatalf("events %v, want add, update", got)
		}
		want := []netip.Addr{
			netip.MustParseAddr("10.0.0.5"),
			netip.MustParseAddr("fd00::5"),
			netip.MustParseAddr("fe80::5%eth0"),
		}
		if got := evs[1].Entry.Addrs; !slices.Equal(got, want) {
			t.Errorf("addresses %v, want %v", got, want)
		}
	})
}

// An update is reported when TXT, port, host or addresses change, and
// not for a mere refresh.
func TestBrowseUpdates(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		name := "A._http._tcp.local."
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		mdnstest.Advance(2 * time.Second)
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...) // refresh only
		mdnstest.Advance(2 * time.Second)
		respond(t, e.link, peer4, txtRR(name, 4500, "v=2"))
		mdnstest.Advance(2 * time.Second)
		respond(t, e.link, peer4, srvRR(name, "web.local.", 81, 120))
		mdnstest.Advance(2 * time.Second)
		respond(t, e.link, peer4, srvRR(name, "other.local.", 81, 120), aRR("other.local.", "10.0.0.9", 120, true))
		evs := r.events()
		var got []string
		for _, ev := range evs {
			en := ev.Entry
			got = append(got, fmt.Sprintf("%v %s:%d %q %v", ev.Kind, en.Host, en.Port, en.Text, en.Addrs))
		}
		want := []string{
			`add web.local:80 ["v=1"] [10.0.0.5]`,
			`update web.local:80 ["v=2"] [10.0.0.5]`,
			`update web.local:81 ["v=2"] [10.0.0.5]`,
			`update other.local:81 ["v=2"] [10.0.0.9]`,
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("events\n got %q\nwant %q", got, want)
		}
	})
}

// A consumer that does not keep up delays nothing and loses no remove:
// pending events are coalesced per instance.
func TestBrowseSlowConsumerGetsRemove(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		release := make(chan struct{})
		blocked := true
		r := e.browseWith(mdns.BrowseQuery{Type: "_http._tcp"}, func(ev mdns.BrowseEvent) {
			if blocked {
				blocked = false
				<-release
			}
		})
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...) // consumer blocks on this add
		mdnstest.Advance(1500 * ms)
		respond(t, e.link, peer4, txtRR("A._http._tcp.local.", 4500, "v=2"))
		respond(t, e.link, peer4, ptrRR("_http._tcp.local.", "A._http._tcp.local.", 0))
		respond(t, e.link, peer4, serviceRRs("B", 80, 4500)...)
		respond(t, e.link, peer4, serviceRRs("C", 80, 4500)...)
		mdnstest.Advance(2 * time.Second) // A and C expire while we are stuck
		respond(t, e.link, peer4, ptrRR("_http._tcp.local.", "C._http._tcp.local.", 0))
		mdnstest.Advance(2 * time.Second)
		// The engine kept going meanwhile.
		if n := len(e.asking("_http._tcp.local.", dns.TypePTR)); n < 3 {
			t.Errorf("%d queries while the consumer was stuck", n)
		}
		close(release)
		synctest.Wait()
		want := []string{"add A", "remove A", "add B"}
		if got := kinds(r.events()); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("events %v, want %v", got, want)
		}
	})
}

// Close while Browse waits makes it return ErrClosed; nothing leaks (the
// bubble would not end otherwise).
func TestBrowseCloseReturnsErrClosed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(3 * time.Second)
		if err := e.c.Close(); err != nil {
			t.Fatal(err)
		}
		<-r.done
		if !errors.Is(r.err, mdns.ErrClosed) {
			t.Errorf("Browse returned %v, want ErrClosed", r.err)
		}
		err := e.c.Browse(context.Background(), mdns.BrowseQuery{Type: "_http._tcp"}, func(mdns.BrowseEvent) error { return nil })
		if !errors.Is(err, mdns.ErrClosed) {
			t.Errorf("Browse after Close: %v", err)
		}
	})
}

// Cancelling the context returns at once with ctx.Err(); an error from fn
// is returned as is; the question stops when nobody asks it.
func TestBrowseCancelAndCallbackError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(time.Second)
		at := time.Now()
		r.cancel()
		<-r.done
		if !errors.Is(r.err, context.Canceled) || time.Since(at) != 0 {
			t.Errorf("Browse returned %v after %v", r.err, time.Since(at))
		}
		n := len(e.queries())
		mdnstest.Advance(time.Minute)
		if len(e.queries()) != n {
			t.Errorf("queries go on after the browse ended")
		}

		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		boom := errors.New("boom")
		err := e.c.Browse(context.Background(), mdns.BrowseQuery{Type: "_http._tcp"}, func(mdns.BrowseEvent) error { return boom })
		if err != boom {
			t.Errorf("Browse returned %v, want fn's error", err)
		}
		seq := 0
		for ev, err := range e.c.BrowseSeq(context.Background(), mdns.BrowseQuery{Type: "_http._tcp"}) {
			if err != nil || ev.Entry.Instance != "A" {
				t.Errorf("BrowseSeq: %v %v", ev, err)
			}
			seq++
			break
		}
		if seq != 1 {
			t.Errorf("BrowseSeq yielded %d", seq)
		}
	})
}

// A discovered instance missing records is asked for them (SRV and TXT,
// then the host's addresses), never QU, on the usual schedule; an instance
// that never resolves is never reported.
func TestBrowseAsksForMissingRecords(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(time.Second)
		at := time.Since(e.start)
		respond(t, e.link, peer4, ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500))
		mdnstest.Advance(4 * time.Second)
		srv := e.asking("A._http._tcp.local.", dns.TypeSRV)
		txt := e.asking("A._http._tcp.local.", dns.TypeTXT)
		if len(srv) != 3 || len(txt) != 3 {
			t.Fatalf("%d SRV and %d TXT queries in 4 s, want 3 each", len(srv), len(txt))
		}
		if d := srv[0].at - at; d < 20*ms || d > 120*ms || srv[0].m.Question[0].Qclass&0x8000 != 0 {
			t.Errorf("first SRV query %v after discovery (QU %v)", d, srv[0].m.Question[0].Qclass&0x8000 != 0)
		}
		if srv[1].at-srv[0].at != time.Second || srv[2].at-srv[1].at != 2*time.Second {
			t.Errorf("SRV queries at %v, %v, %v", srv[0].at, srv[1].at, srv[2].at)
		}
		respond(t, e.link, peer4, srvRR("A._http._tcp.local.", "web.local.", 80, 120), txtRR("A._http._tcp.local.", 4500, "x"))
		mdnstest.Advance(200 * ms)
		if a := e.asking("web.local.", dns.TypeA); len(a) != 1 {
			t.Errorf("%d A queries after the SRV, want 1", len(a))
		}
		if got := kinds(r.events()); len(got) != 0 {
			t.Errorf("events for an unresolved instance: %v", got)
		}
		respond(t, e.link, peer4, aRR("web.local.", "10.0.0.5", 120, true))
		if got := kinds(r.events()); len(got) != 1 {
			t.Errorf("events %v, want add", got)
		}
		n := len(e.asking("A._http._tcp.local.", dns.TypeSRV))
		mdnstest.Advance(30 * time.Second)
		if m := len(e.asking("A._http._tcp.local.", dns.TypeSRV)); m != n {
			t.Errorf("SRV still asked for once resolved")
		}
	})
}

// Subtype browsing asks for "_sub" PTRs; other domains work the same.
func TestBrowseSubtypeAndDomain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp", Subtype: "_printer", Domain: "dev."})
		mdnstest.Advance(time.Second)
		if n := len(e.asking("_printer._sub._http._tcp.dev.", dns.TypePTR)); n == 0 {
			t.Fatal("no subtype PTR query")
		}
		name := "P._http._tcp.dev."
		respond(t, e.link, peer4,
			ptrRR("_printer._sub._http._tcp.dev.", name, 4500),
			ptrRR("_printer._sub._http._tcp.dev.", "Wrong._ipp._tcp.dev.", 4500), // not of this type
			ptrRR("_http._tcp.local.", "L._http._tcp.local.", 4500),              // other domain
			srvRR(name, "web.local.", 80, 120), txtRR(name, 4500), aRR("web.local.", "10.0.0.5", 120, true))
		evs := r.events()
		if len(evs) != 1 {
			t.Fatalf("events %v", kinds(evs))
		}
		if en := evs[0].Entry; en.Instance != "P" || en.Type != "_http._tcp" || en.Domain != "dev" || en.Subtype != "_printer" {
			t.Errorf("entry %+v", en)
		}
	})
}

func TestBrowseTypes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		meta := "_services._dns-sd._udp.local."
		respond(t, e.link, peer4, ptrRR(meta, "_http._tcp.local.", 4500), ptrRR(meta, "_ipp._tcp.local.", 4500))
		ctx, cancel := context.WithCancel(context.Background())
		var got []string
		done := make(chan error)
		go func() {
			done <- e.c.BrowseTypes(ctx, "", func(ev mdns.TypeEvent) error {
				got = append(got, fmt.Sprintf("%v %s %s", ev.Kind, ev.Type, ev.Domain))
				return nil
			})
		}()
		mdnstest.Advance(time.Second)
		respond(t, e.link, peer4, ptrRR(meta, "_ipp._tcp.local.", 0))
		mdnstest.Advance(2 * time.Second)
		if n := len(e.asking(meta, dns.TypePTR)); n == 0 {
			t.Error("no enumeration query")
		}
		cancel()
		<-done
		slices.Sort(got[:2])
		want := []string{"add _http._tcp local", "add _ipp._tcp local", "remove _ipp._tcp local"}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("got %v, want %v", got, want)
		}
	})
}

func TestBrowseResolveAndLookupHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		ctx, cancel := contextWithTimeout(3500 * ms)
		defer cancel()
		_, err := e.c.Resolve(ctx, "Café", "_http._tcp", "")
		if !errors.Is(err, mdns.ErrNotFound) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Resolve of nothing: %v", err)
		}
		if n := len(e.asking(`Caf\195\169._http._tcp.local.`, dns.TypeSRV)); n != 3 {
			t.Errorf("%d SRV queries in 3.5 s, want 3", n)
		}
		go func() {
			time.Sleep(time.Second)
			e.link.Inject(peer4, group4, packed(t, response(serviceRRs(`Caf\195\169`, 80, 4500)...)))
		}()
		ctx2, cancel2 := contextWithTimeout(time.Minute)
		defer cancel2()
		en, err := e.c.Resolve(ctx2, "Café", "_http._tcp", "local.")
		if err != nil || en.Port != 80 || en.Instance != "Café" {
			t.Errorf("Resolve: %+v, %v", en, err)
		}
		respond(t, e.link, peer6, aaaaRR("web.local.", "fe80::5", 120))
		addrs, err := e.c.LookupHost(ctx2, "web")
		want := []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("fe80::5%eth0")}
		if err != nil || !slices.Equal(addrs, want) {
			t.Errorf("LookupHost: %v, %v; want %v", addrs, err, want)
		}
	})
}

// An interface that goes away takes its records along; one that comes
// up is queried on at once.
func TestBrowseInterfaceDownAndUp(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		link2 := newLink(t, mdnstest.LinkConfig{Name: "l2", IPv4Prefix: netip.MustParsePrefix("10.2.0.0/16")})
		mdnstest.Advance(10 * time.Second)
		up := time.Since(e.start)
		if _, err := e.h.AddInterface(link2, mdnstest.InterfaceConfig{Name: "eth1", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.2.0.1/16")}}); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(200 * ms)
		var first *dns.Msg
		for _, p := range link2.Packets() {
			m := new(dns.Msg)
			if m.Unpack(p.Data) == nil && !m.Response && p.Host == "h1" {
				first = m
				if d := p.Time.Sub(e.start) - up; d < 20*ms || d > 120*ms {
					t.Errorf("first query on the new interface %v after it came up", d)
				}
				break
			}
		}
		if first == nil || first.Question[0].Qclass&0x8000 != 0 {
			t.Fatalf("want a QM query on the new interface, got %v", first)
		}
		if err := e.h.RemoveInterface("eth0"); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(ms)
		if got := kinds(r.events()); fmt.Sprint(got) != "[add A remove A]" {
			t.Errorf("events %v, want the instance removed with its interface", got)
		}
	})
}

// An address change may put the interface on another link: querying
// restarts there, first query after 20–120 ms, instead of waiting
// for a backed-off schedule (up to an hour).
func TestBrowseAddressChangeRestartsQueries(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(20 * time.Minute) // queries are now ~17 min apart
		changed := time.Now()
		if err := e.h.AddPrefix("eth0", netip.MustParsePrefix("10.0.7.1/24")); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(time.Second)
		var first *dns.Msg
		var at time.Time
		for _, p := range e.link.Packets() {
			m := new(dns.Msg)
			if p.Time.After(changed) && p.Host == "h1" && m.Unpack(p.Data) == nil && !m.Response && p.Dst.Addr().Is4() {
				first, at = m, p.Time
				break
			}
		}
		if first == nil {
			t.Fatal("no query within a second of the address change")
		}
		if d := at.Sub(changed); d < 20*time.Millisecond || d > 120*time.Millisecond {
			t.Errorf("first query %v after the change, want 20–120 ms", d)
		}
		if first.Question[0].Qclass&0x8000 != 0 {
			t.Error("the first query after a change asks for unicast replies (QU); port 5353 is shared")
		}
	})
}
