package mdns_test

import (
	"context"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// goodbyes returns the responses whose answers all have TTL 0.
func goodbyes(ws []wire) []wire {
	var out []wire
	for _, w := range responses(ws) {
		all := len(w.m.Answer) > 0
		for _, rr := range w.m.Answer {
			all = all && rr.Header().Ttl == 0
		}
		if all {
			out = append(out, w)
		}
	}
	return out
}

// RFC 6762 §10.1: Deregister sends every record of the service with TTL 0,
// twice, 250 ms apart, and the host's records when it was the last one.
func TestRegisterDeregisterGoodbyes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, g := published(t, svc("My Service"))
		s2 := svc("Other")
		g2 := register(t, c, s2)
		mdnstest.Advance(3 * time.Second)
		t0 := time.Now()
		if err := g.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(t0); d != 250*time.Millisecond {
			t.Errorf("Deregister returned after %v, want 250ms", d)
		}
		bye := goodbyes(sent(t, link, "h1", t0))
		if len(bye) != 2 || bye[1].Time.Sub(bye[0].Time) != 250*time.Millisecond {
			dump(t, bye)
			t.Fatalf("%d goodbyes, want 2, 250ms apart", len(bye))
		}
		for _, typ := range []uint16{dns.TypeSRV, dns.TypeTXT, dns.TypeNSEC} {
			if findRR(bye[0].m.Answer, inst, typ) == nil {
				t.Errorf("goodbye lacks the %s", dns.TypeToString[typ])
			}
		}
		if p, ok := findRR(bye[0].m.Answer, typName, dns.TypePTR).(*dns.PTR); !ok || p.Ptr != inst {
			t.Error("goodbye lacks the service PTR")
		}
		if findRR(bye[0].m.Answer, "h1.local.", dns.TypeA) != nil || findRR(bye[0].m.Answer, "_services._dns-sd._udp.local.", dns.TypePTR) != nil {
			t.Error("goodbye withdrew a record the other service still uses")
		}
		// The withdrawn service is no longer answered.
		mdnstest.Advance(time.Millisecond)
		t1 := time.Now()
		inject(t, link, peer4, group4, query(q(inst, dns.TypeSRV)))
		mdnstest.Advance(time.Second)
		if ws := responses(sent(t, link, "h1", t1)); len(ws) != 0 {
			dump(t, ws)
			t.Fatal("answered for a withdrawn service")
		}
		t2 := time.Now()
		if err := g2.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		bye = goodbyes(sent(t, link, "h1", t2))
		if len(bye) != 2 || findRR(bye[0].m.Answer, "h1.local.", dns.TypeA) == nil ||
			findRR(bye[0].m.Answer, "_services._dns-sd._udp.local.", dns.TypePTR) == nil {
			t.Fatal("the last service's goodbye lacks the host or enumeration records")
		}
		if err := g2.Deregister(context.Background()); err != nil {
			t.Fatalf("second Deregister: %v", err)
		}
		// A browse-only Conn answers nothing.
		mdnstest.Advance(time.Millisecond)
		t3 := time.Now()
		inject(t, link, peer4, group4, query(q("h1.local.", dns.TypeA)))
		mdnstest.Advance(time.Second)
		if ws := responses(sent(t, link, "h1", t3)); len(ws) != 0 {
			t.Fatal("host records answered with no service registered")
		}
	})
}

// RFC 6762 §10.1: Close says goodbye for everything, twice.
func TestRegisterCloseGoodbyes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, _ := published(t, svc("My Service"), both)
		t0 := time.Now()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		bye := goodbyes(sent(t, link, "h1", t0))
		if len(bye) != 4 { // two families, twice
			dump(t, bye)
			t.Fatalf("%d goodbyes, want 4", len(bye))
		}
		for _, w := range bye {
			if w.Time.Sub(t0) != 0 && w.Time.Sub(t0) != 250*time.Millisecond {
				t.Errorf("goodbye at +%v", w.Time.Sub(t0))
			}
			for _, typ := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypeTXT, dns.TypePTR} {
				if findRR(w.m.Answer, "", typ) == nil {
					t.Errorf("goodbye lacks a %s", dns.TypeToString[typ])
				}
			}
			for _, rr := range w.m.Answer {
				if flush(rr) {
					t.Errorf("goodbye %v has the cache-flush bit", rr)
				}
			}
		}
		if err := c.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

// RFC 6762 §8.4: Update announces the new TXT and SRV with the cache-flush
// bit, four times as a new registration (§8.3), without probing.
func TestRegisterUpdateWithoutProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, g := published(t, svc("My Service"))
		t0 := time.Now()
		if err := g.Update(context.Background(), [][]byte{[]byte("a=2")}, 9090); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(8 * time.Second)
		ws := sent(t, link, "h1", t0)
		if len(probes(ws)) != 0 {
			t.Fatal("Update probed")
		}
		anns := withRR(responses(ws), inst, dns.TypeTXT)
		if len(anns) != 4 || anns[1].Time.Sub(anns[0].Time) != time.Second || anns[3].Time.Sub(anns[0].Time) != 7*time.Second || !anns[0].Time.Equal(t0) {
			t.Fatalf("%d update announcements, want 4 at 0, 1, 3 and 7 s from now", len(anns))
		}
		txt := findRR(anns[0].m.Answer, inst, dns.TypeTXT).(*dns.TXT)
		srv := findRR(anns[0].m.Answer, inst, dns.TypeSRV).(*dns.SRV)
		if txt.Txt[0] != "a=2" || srv.Port != 9090 || !flush(txt) || !flush(srv) {
			t.Fatalf("announced %v %v", txt, srv)
		}
		if s := g.Service(); s.Port != 9090 || string(s.Text[0]) != "a=2" {
			t.Errorf("Service() = %+v", s)
		}
	})
}

// An address leaving an interface that stays up gets a goodbye; a new
// interface is probed and announced on.
func TestResponderInterfaceChanges(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		h1, c := addHost(t, link, "h1")
		register(t, c, svc("My Service"))
		mdnstest.Advance(8 * time.Second) // past the announcements

		t0 := time.Now()
		if err := h1.RemovePrefix("eth0", netip.MustParsePrefix("fd00::1/64")); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(8 * time.Second)
		ws := sent(t, link, "h1", t0)
		bye := goodbyes(ws)
		if len(bye) != 2 || findRR(bye[0].m.Answer, "h1.local.", dns.TypeAAAA).(*dns.AAAA).AAAA.String() != "fd00::1" {
			dump(t, ws)
			t.Fatal("want two goodbyes for AAAA fd00::1")
		}
		anns := withRR(responses(ws), "h1.local.", dns.TypeA)
		if len(anns) != 4 {
			t.Fatalf("%d re-announcements after the change, want 4 (0, 1, 3, 7 s)", len(anns))
		}
		for _, rr := range anns[0].m.Answer {
			if a, ok := rr.(*dns.AAAA); ok && a.AAAA.String() == "fd00::1" {
				t.Error("re-announced the removed address")
			}
		}

		link2 := newLink(t, mdnstest.LinkConfig{Name: "b"})
		t1 := time.Now()
		if _, err := h1.AddInterface(link2, mdnstest.InterfaceConfig{Name: "eth1", Prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.1.1/24")}}); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(3 * time.Second)
		ws = sent(t, link2, "h1", t1)
		if ps := probes(ws); len(ps) != 3 || len(ps[0].m.Question) != 3 { // host, reverse, instance
			dump(t, ws)
			t.Fatal("want 3 probes for host and instance on the new interface")
		}
		anns = withRR(responses(ws), inst, dns.TypeSRV)
		if len(anns) != 2 || findRR(anns[0].m.Answer, "h1.local.", dns.TypeA).(*dns.A).A.String() != "192.168.1.1" {
			t.Fatal("want 2 announcements with the new interface's address")
		}
		if len(probes(sent(t, link, "h1", t1))) != 0 {
			t.Error("the old interface probed again")
		}
	})
}
