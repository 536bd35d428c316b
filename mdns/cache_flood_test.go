package mdns_test

import (
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// No host can flush another's services (issue 13): a browser follows
// Legit, announced by 10.0.0.3; another host then floods the link with
// distinct spoofed instances of the same type. Legit is never reported
// removed, and the cache stays within its bound.

var legitSrc = netip.MustParseAddrPort("10.0.0.3:5353")

func legitRecords() []dns.RR {
	return []dns.RR{
		ptrRR("_flood._tcp.local.", "Legit._flood._tcp.local.", 4500),
		srvRR("Legit._flood._tcp.local.", "h3.local.", 80, 120),
		txtRR("Legit._flood._tcp.local.", 4500, "k=v"),
		aRR("h3.local.", "10.0.0.3", 120, true),
	}
}

// spoofed is one flood packet: a complete instance (PTR, SRV, TXT and its
// host's address), or its PTR alone.
func spoofed(i int, ptrOnly bool) []dns.RR {
	inst := fmt.Sprintf("Flood %07d._flood._tcp.local.", i)
	if ptrOnly {
		return []dns.RR{ptrRR("_flood._tcp.local.", inst, 4500)}
	}
	return []dns.RR{
		ptrRR("_flood._tcp.local.", inst, 4500),
		srvRR(inst, "evil.local.", 9, 120),
		txtRR(inst, 4500, "n=1"),
		aRR("evil.local.", "10.0.0.99", 120, true),
	}
}

func testFlood(t *testing.T, n int, ptrOnly bool, src func(i int) netip.AddrPort) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both, maxCache(4096))
		r := e.browse(mdns.BrowseQuery{Type: "_flood._tcp"})
		respond(t, e.link, legitSrc, legitRecords()...)
		mdnstest.Advance(time.Second)
		if got := kinds(r.events()); len(got) != 1 || got[0] != "add Legit" {
			t.Fatalf("before the flood: %v", got)
		}
		// 17,500 packets a second, as measured on the LAN.
		for i := range n {
			respond(t, e.link, src(i), spoofed(i, ptrOnly)...)
			if i%35 == 34 {
				time.Sleep(2 * time.Millisecond)
			}
		}
		mdnstest.Advance(25 * time.Second)
		adds := 0
		for _, ev := range r.events() {
			if ev.Entry.Instance == "Legit" && ev.Kind == mdns.EventRemove {
				t.Fatalf("Legit removed at %v during the flood", ev.at)
			}
			if ev.Kind == mdns.EventAdd {
				adds++
			}
		}
		st := e.c.Stats()
		t.Logf("%d spoofed packets: %d instances reported, %d evictions, %d records dropped", n, adds-1, st.CacheEvictions, st.CacheDropped)
		if st.CacheEvictions+st.CacheDropped == 0 {
			t.Error("the cache never filled: the flood did not test the bound")
		}
		// Legit is still there for a new browse.
		ctx, cancel := contextWithTimeout(time.Second)
		defer cancel()
		if en, err := e.c.Resolve(ctx, "Legit", "_flood._tcp", ""); err != nil || en.Port != 80 {
			t.Errorf("Resolve(Legit) after the flood: %+v, %v", en, err)
		}
	})
}

func floodN() int {
	if testing.Short() {
		return 20000
	}
	return 100000
}

// One host floods from its own address: it churns through its own share.
func TestFloodOneSourceCannotFlushLegit(t *testing.T) {
	testFlood(t, floodN(), false, func(int) netip.AddrPort { return peer4 })
}

// The same with PTR records alone (instances that never resolve).
func TestFloodOfPTRsCannotFlushLegit(t *testing.T) {
	testFlood(t, floodN()/2, true, func(int) netip.AddrPort { return peer4 })
}

// A flood from ever new link-local addresses: no source ever holds more
// than a record or two, so shares cannot help; records a browse reported
// are protected anyway.
func TestFloodFromManyAddressesCannotFlushLegit(t *testing.T) {
	testFlood(t, floodN()/5, false, func(i int) netip.AddrPort {
		return netip.AddrPortFrom(netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 13: byte(i >> 16), 14: byte(i >> 8), 15: byte(i)}), 5353)
	})
}

// What a browse loses to eviction is asked for again at once (RFC 6762
// §5.2), not at the next point of its backed-off schedule: the PTR
// records of instances not yet resolved (so not protected) are pushed out
// by another host's newcomers, and the PTR question goes out within
// 20–120 ms instead of at 31 s.
func TestCacheReasksWhatABrowseLost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both, maxCache(64))
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		var ptrs []dns.RR
		for i := range 40 {
			ptrs = append(ptrs, ptrRR("_http._tcp.local.", fmt.Sprintf("I%d._http._tcp.local.", i), 4500))
		}
		respond(t, e.link, legitSrc, ptrs...)
		mdnstest.Advance(20*time.Second - time.Since(e.start))
		before := len(e.asking("_http._tcp.local.", dns.TypePTR))
		// PTR queries went out at about 0.1, 1.1, 3.1, 7.1 and 15.1 s;
		// the next is due at about 31 s.
		at := time.Since(e.start)
		var flood []dns.RR
		for i := range 60 {
			flood = append(flood, aRR(fmt.Sprintf("x%d.local.", i), "10.0.0.77", 120, false))
		}
		respond(t, e.link, other4, flood...)
		if e.c.Stats().CacheEvictions == 0 {
			t.Fatal("nothing evicted")
		}
		mdnstest.Advance(200 * time.Millisecond)
		qs := e.asking("_http._tcp.local.", dns.TypePTR)
		if len(qs) != before+1 {
			t.Fatalf("%d PTR queries after the eviction, want 1 more than the %d before", len(qs), before)
		}
		if d := qs[len(qs)-1].at - at; d < 20*time.Millisecond || d > 120*time.Millisecond {
			t.Errorf("the PTR question asked again %v after the eviction, want 20–120 ms", d)
		}
	})
}
