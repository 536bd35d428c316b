package mdns_test

import (
	"cmp"
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"github.com/miekg/dns"
)

// RFC 6762 §10.1: a goodbye (TTL 0) removes the record one second later.
func TestCacheGoodbyeRemovesAfterOneSecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		mdnstest.Advance(3 * time.Second)
		bye := time.Since(e.start)
		respond(t, e.link, peer4, ptrRR("_http._tcp.local.", "A._http._tcp.local.", 0))
		mdnstest.Advance(999 * ms)
		if got := kinds(r.events()); len(got) != 1 {
			t.Fatalf("events before the goodbye's second is up: %v", got)
		}
		mdnstest.Advance(ms)
		evs := r.events()
		if got := kinds(evs); len(got) != 2 || got[1] != "remove A" {
			t.Fatalf("events %v, want add then remove", got)
		}
		if d := evs[1].at - bye; d != time.Second {
			t.Errorf("remove %v after the goodbye, want 1s", d)
		}
		if evs[1].Entry.Port != 80 || evs[1].Entry.Host != "web.local" {
			t.Errorf("remove carries %+v, want the entry as last reported", evs[1].Entry)
		}
	})
}

// RFC 6762 §5.2: a record someone watches is queried at 80, 85, 90 and
// 95 % of its TTL (each plus up to 2 %) and gone at 100 % if nobody
// answers; the refresh lists no known answer below half its TTL.
func TestCacheRefreshPointsAndExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(time.Second)
		// PTR lives long; SRV, TXT and A for 100 s.
		rrs := serviceRRs("A", 80, 100)
		rrs[0] = ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500)
		at := time.Since(e.start)
		respond(t, e.link, peer4, rrs...)
		mdnstest.Advance(101 * time.Second)

		srvQs := e.asking("A._http._tcp.local.", dns.TypeSRV)
		if len(srvQs) < 4 {
			t.Fatalf("%d SRV refresh queries, want 4 before expiry", len(srvQs))
		}
		for i, pct := range []int{80, 85, 90, 95} {
			d := srvQs[i].at - at
			lo := time.Duration(pct) * time.Second
			if d < lo || d > lo+2*time.Second {
				t.Errorf("refresh %d at %v after receipt, want %d–%d s", i, d, pct, pct+2)
			}
			if srvQs[i].m.Question[0].Qclass&0x8000 != 0 {
				t.Errorf("refresh %d has the QU bit", i)
			}
			for _, rr := range srvQs[i].m.Answer {
				if rr.Header().Rrtype == dns.TypeSRV {
					t.Errorf("refresh %d lists the SRV below half its TTL as a known answer", i)
				}
			}
		}
		if n := len(e.asking("web.local.", dns.TypeA)); n != 4 {
			t.Errorf("%d A refresh queries, want 4", n)
		}
		evs := r.events()
		if got := kinds(evs); len(got) != 2 || got[1] != "remove A" {
			t.Fatalf("events %v, want add, remove", got)
		}
		if d := evs[1].at - at; d != 100*time.Second {
			t.Errorf("remove %v after receipt, want exactly the TTL (100s)", d)
		}
		// After expiry the missing SRV is asked for afresh.
		if len(srvQs) != 5 {
			t.Errorf("want a fifth SRV query after expiry; got %d queries", len(srvQs))
		}
	})
}

// A refresh that is answered keeps the record: no remove.
func TestCacheRefreshAnsweredKeepsRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		respond(t, e.link, peer4, serviceRRs("A", 80, 100)...)
		for range 5 {
			mdnstest.Advance(83 * time.Second)
			respond(t, e.link, peer4, serviceRRs("A", 80, 100)...)
		}
		if got := kinds(r.events()); len(got) != 1 {
			t.Errorf("events %v, want a single add", got)
		}
		// Nothing watches the records once the browse stops: no refresh.
		r.stop()
		before := len(e.queries())
		mdnstest.Advance(99 * time.Second)
		if n := len(e.queries()) - before; n != 0 {
			t.Errorf("%d queries for records nobody watches", n)
		}
	})
}

// TTLs are clamped to 75 minutes.
func TestCacheTTLClamped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		respond(t, e.link, peer4, serviceRRs("A", 80, 7*24*3600)...)
		at := time.Since(e.start)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(2 * time.Hour)
		evs := r.events()
		if got := kinds(evs); len(got) != 2 {
			t.Fatalf("events %v, want add, remove", got)
		}
		if d := evs[1].at - at; d != 75*time.Minute {
			t.Errorf("a week-long TTL expired after %v, want 75m", d)
		}
	})
}

// RFC 6762 §10.2: a cache-flush record makes the other records of its
// RRset received more than a second earlier expire one second later;
// those received within the last second stay.
func TestCacheFlushGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		rrs := serviceRRs("A", 80, 4500)
		respond(t, e.link, peer4, rrs...) // web.local A 10.0.0.5, flush
		t0 := time.Since(e.start)
		mdnstest.Advance(500 * ms)
		respond(t, e.link, peer4, aRR("web.local.", "10.0.0.6", 120, true)) // same burst: both stay
		mdnstest.Advance(2500 * ms)
		respond(t, e.link, peer4, aRR("web.local.", "10.0.0.7", 120, true)) // .5 and .6 go 1 s later
		mdnstest.Advance(2 * time.Second)

		type step struct {
			at    time.Duration
			kind  string
			addrs string
		}
		var got []step
		for _, ev := range r.events() {
			got = append(got, step{ev.at - t0, ev.Kind.String(), fmt.Sprint(ev.Entry.Addrs)})
		}
		want := []step{
			{0, "add", "[10.0.0.5]"},
			{500 * ms, "update", "[10.0.0.5 10.0.0.6]"},
			{3 * time.Second, "update", "[10.0.0.5 10.0.0.6 10.0.0.7]"},
			{4 * time.Second, "update", "[10.0.0.7]"},
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("events\n got %v\nwant %v", got, want)
		}
		// A record without the bit adds to the set and flushes nothing.
		respond(t, e.link, peer4, aRR("web.local.", "10.0.0.8", 120, false))
		mdnstest.Advance(3 * time.Second)
		evs := r.events()
		if last := evs[len(evs)-1]; fmt.Sprint(last.Entry.Addrs) != "[10.0.0.7 10.0.0.8]" {
			t.Errorf("after a shared A: %v", last.Entry.Addrs)
		}
	})
}

// RFC 6762 §10.5: two queries from others that a cached record answers,
// with no answer carrying it within ten seconds, flush it.
func TestCachePOOF(t *testing.T) {
	ptrQuery := func(ka ...dns.RR) *dns.Msg {
		m := new(dns.Msg)
		m.Question = []dns.Question{{Name: "_http._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET}}
		m.Answer = ka
		return m
	}
	ka := ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500)
	other6 := netip.MustParseAddrPort("[fe80::77]:5353")
	for _, tc := range []struct {
		name       string
		second     *dns.Msg
		asker      netip.AddrPort // of both queries; default other4
		reannounce bool
		wantRemove bool
	}{
		{name: "unanswered", second: ptrQuery(), wantRemove: true},
		{name: "answered", second: ptrQuery(), reannounce: true},
		{name: "known-answer", second: ptrQuery(ka)},
		{name: "QU", second: func() *dns.Msg { m := ptrQuery(); m.Question[0].Qclass |= 0x8000; return m }()},
		// The record was heard over IPv4 only: a responder may leave a
		// family out (Avahi's A records on IPv6), so silence to IPv6
		// questions says nothing about it.
		{name: "other-family", second: ptrQuery(), asker: other6},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, both)
				respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
				r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
				mdnstest.Advance(5 * time.Second)
				asker := cmp.Or(tc.asker, other4)
				multicast(t, e.link, asker, ptrQuery())
				mdnstest.Advance(time.Second)
				second := time.Since(e.start)
				multicast(t, e.link, asker, tc.second)
				if tc.reannounce {
					mdnstest.Advance(100 * ms)
					respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
				}
				mdnstest.Advance(20 * time.Second)
				evs := r.events()
				if !tc.wantRemove {
					if len(evs) != 1 {
						t.Errorf("events %v, want only the add", kinds(evs))
					}
					return
				}
				if len(evs) != 2 || evs[1].Kind != mdns.EventRemove {
					t.Fatalf("events %v, want add, remove", kinds(evs))
				}
				if d := evs[1].at - second; d != 10*time.Second {
					t.Errorf("flushed %v after the second query, want 10s", d)
				}
			})
		})
	}
}

// Bounds: a flood of 100 000 distinct records from one host leaves the
// cache at its bound (16384 by default), evicting that host's records that
// would expire first. Records heard later still get in.
func TestCacheBounds(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		const n = 100000
		const perPacket = 300
		for i := 0; i < n; i += perPacket {
			m := new(dns.Msg)
			m.Response = true
			m.Compress = true
			for j := i; j < i+perPacket && j < n; j++ {
				a := netip.AddrFrom4([4]byte{10, 1, byte(j >> 8), byte(j)})
				m.Answer = append(m.Answer, aRR(fmt.Sprintf("f%d.local.", j), a.String(), 120, false))
			}
			multicast(t, e.link, peer4, m)
		}
		if got, want := e.c.Stats().CacheEvictions, uint64(n-16384); got != want {
			t.Errorf("%d evictions after %d records, want %d (cache full at 16384)", got, n, want)
		}
		if d := e.link.Stats().QueueFull; d != 0 {
			t.Fatalf("%d packets dropped by the test itself", d)
		}
		// The newest records are kept (the oldest expire first).
		ctx, cancel := contextWithTimeout(time.Second)
		defer cancel()
		if addrs, err := e.c.LookupHost(ctx, fmt.Sprintf("f%d.local", n-1)); err != nil || len(addrs) != 1 {
			t.Errorf("newest record: %v, %v", addrs, err)
		}
	})
}
