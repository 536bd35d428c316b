package mdns_test

import (
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"github.com/miekg/dns"
)

// What a querier learns over one family is not the whole answer: Avahi,
// by default, sends A records over IPv4 only. These tests pin how the
// querier keeps the families apart (RFC 6762 §7.1 known answers, §5.2
// continuous querying, §10.5 POOF).

// lists reports whether a query's known-answer section holds a record of
// (name, typ).
func lists(m *dns.Msg, name string, typ uint16) bool {
	return slices.ContainsFunc(m.Answer, func(rr dns.RR) bool {
		return rr.Header().Rrtype == typ && dns.CanonicalName(rr.Header().Name) == dns.CanonicalName(name)
	})
}

// queriesAfter returns h1's queries of one family sent after at that ask
// (name, typ).
func (e *env) queriesAfter(at time.Duration, v6 bool, name string, typ uint16) []sentQuery {
	var out []sentQuery
	for _, s := range e.queries() {
		if s.at >= at && s.v6 == v6 && asks(s.m, name, typ) {
			out = append(out, s)
		}
	}
	return out
}

// RFC 6762 §7.1, per family: a PTR heard over IPv6 is a known answer in
// IPv6 queries only. Listed in an IPv4 query it would suppress the IPv4
// answer — and with it the A records a responder sends only there.
func TestKnownAnswersPerFamily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(500 * ms)
		heard6 := time.Since(e.start)
		respond(t, e.link, peer6, ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500))
		mdnstest.Advance(4 * time.Second)
		const ptr = "_http._tcp.local."
		v6 := e.queriesAfter(heard6, true, ptr, dns.TypePTR)
		v4 := e.queriesAfter(heard6, false, ptr, dns.TypePTR)
		if len(v6) == 0 || len(v4) == 0 {
			t.Fatalf("%d IPv6 and %d IPv4 PTR queries after the answer, want some of each", len(v6), len(v4))
		}
		for _, s := range v6 {
			if !lists(s.m, ptr, dns.TypePTR) {
				t.Errorf("IPv6 query at %v does not list the PTR heard over IPv6", s.at)
			}
		}
		for _, s := range v4 {
			if lists(s.m, ptr, dns.TypePTR) {
				t.Errorf("IPv4 query at %v lists a PTR heard over IPv6 only", s.at)
			}
		}
		heard4 := time.Since(e.start)
		respond(t, e.link, peer4, ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500))
		mdnstest.Advance(10 * time.Second)
		v4 = e.queriesAfter(heard4, false, ptr, dns.TypePTR)
		if len(v4) == 0 || !lists(v4[0].m, ptr, dns.TypePTR) {
			t.Errorf("once heard over IPv4 too, the PTR is an IPv4 known answer: %v", v4)
		}
	})
}

// avahiStyle6 is what Avahi sends over IPv6 with its defaults
// (publish-a-on-ipv6=no): the instance and the host's AAAA, no A.
func avahiStyle6() []dns.RR {
	return []dns.RR{
		ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500),
		srvRR("A._http._tcp.local.", "web.local.", 80, 120),
		txtRR("A._http._tcp.local.", 4500, "v=1"),
		aaaaRR("web.local.", "fe80::5", 120),
	}
}

// An instance whose host has addresses of one family only on an interface
// that serves the other is asked for the missing type over that family,
// and the address, when it comes, is an update.
func TestBrowseAsksMissingFamily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(time.Second)
		heard := time.Since(e.start)
		respond(t, e.link, peer6, avahiStyle6()...)
		mdnstest.Advance(200 * ms)
		evs := r.events()
		if len(evs) != 1 || evs[0].Kind != mdns.EventAdd || len(evs[0].Entry.Addrs) != 1 {
			t.Fatalf("events %v, want one add with the IPv6 address", evs)
		}
		a4 := e.queriesAfter(heard, false, "web.local.", dns.TypeA)
		if len(a4) != 1 {
			t.Fatalf("%d IPv4 queries for web.local/A within 200 ms, want 1", len(a4))
		}
		if d := a4[0].at - heard; d < 20*ms || d > 120*ms {
			t.Errorf("A asked %v after the instance was heard, want 20–120 ms", d)
		}
		if a6 := e.queriesAfter(heard, true, "web.local.", dns.TypeA); len(a6) != 0 {
			t.Errorf("A asked over IPv6 too: %d queries", len(a6))
		}
		answered := time.Since(e.start)
		respond(t, e.link, peer4, aRR("web.local.", "10.0.0.5", 120, true))
		mdnstest.Advance(10 * time.Second)
		evs = r.events()
		want := []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("fe80::5%eth0")}
		if len(evs) != 2 || evs[1].Kind != mdns.EventUpdate || !slices.Equal(evs[1].Entry.Addrs, want) {
			t.Fatalf("events %v, want add then an update with %v", evs, want)
		}
		if n := len(e.queriesAfter(answered, false, "web.local.", dns.TypeA)); n != 0 {
			t.Errorf("%d more A queries after the answer", n)
		}
	})
}

// A host that never answers for the missing family is asked a few times
// (familyTries), not for ever; an NSEC that leaves the type out means it
// is not asked at all (RFC 6762 §6.1).
func TestBrowseMissingFamilyBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		nsec bool
		want int
	}{
		{"silent", false, 4},
		{"nsec", true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, both)
				e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
				mdnstest.Advance(time.Second)
				heard := time.Since(e.start)
				rrs := avahiStyle6()
				if tc.nsec {
					rrs = append(rrs, &dns.NSEC{Hdr: hdr("web.local.", dns.TypeNSEC, 120, true), NextDomain: "web.local.", TypeBitMap: []uint16{dns.TypeAAAA}})
				}
				respond(t, e.link, peer6, rrs...)
				mdnstest.Advance(time.Hour)
				if n := len(e.queriesAfter(heard, false, "web.local.", dns.TypeA)); n != tc.want {
					t.Errorf("%d IPv4 A queries in an hour, want %d", n, tc.want)
				}
			})
		})
	}
}

// RFC 6762 §5.2: the records of one response fall due for refresh
// together and are asked in one query; the NSEC that came with them is not
// refreshed on its own.
func TestRefreshCombined(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(time.Second)
		heard := time.Since(e.start)
		rrs := serviceRRs("A", 80, 120)
		rrs[0] = ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500)
		rrs = append(rrs,
			&dns.NSEC{Hdr: hdr("A._http._tcp.local.", dns.TypeNSEC, 120, true), NextDomain: "A._http._tcp.local.", TypeBitMap: []uint16{dns.TypeTXT, dns.TypeSRV}},
			&dns.NSEC{Hdr: hdr("web.local.", dns.TypeNSEC, 120, true), NextDomain: "web.local.", TypeBitMap: []uint16{dns.TypeA}})
		respond(t, e.link, peer4, rrs...)
		mdnstest.Advance(99 * time.Second)
		var refreshes []sentQuery
		for _, s := range e.queries() {
			if s.at > heard+90*time.Second {
				refreshes = append(refreshes, s)
			}
		}
		if len(refreshes) != 1 {
			t.Fatalf("%d queries at 80–82 %% of the TTL, want 1: %v", len(refreshes), refreshes)
		}
		m := refreshes[0].m
		for _, q := range []struct {
			name string
			typ  uint16
		}{{"A._http._tcp.local.", dns.TypeSRV}, {"A._http._tcp.local.", dns.TypeTXT}, {"web.local.", dns.TypeA}} {
			if !asks(m, q.name, q.typ) {
				t.Errorf("the refresh query does not ask %s/%s:\n%v", q.name, dns.TypeToString[q.typ], m)
			}
		}
		for _, q := range m.Question {
			if q.Qtype == dns.TypeNSEC {
				t.Errorf("the refresh query asks an NSEC: %v", q)
			}
		}
	})
}

// RFC 6762 §10.5 through a reflector: queries forwarded from another link
// arrive without their known answers and go unanswered here. Before a
// record a browse needs is flushed, we ask for it ourselves, without it
// among our known answers; the answer (reflected back) keeps it.
func TestPOOFReconfirms(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		mdnstest.Advance(5 * time.Second)
		reflected := func() *dns.Msg {
			m := new(dns.Msg)
			m.Question = []dns.Question{{Name: "_http._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET}}
			return m
		}
		multicast(t, e.link, other4, reflected())
		mdnstest.Advance(time.Second)
		second := time.Since(e.start)
		multicast(t, e.link, other4, reflected())
		mdnstest.Advance(200 * ms)
		ours := e.queriesAfter(second, false, "_http._tcp.local.", dns.TypePTR)
		if len(ours) != 1 || lists(ours[0].m, "_http._tcp.local.", dns.TypePTR) {
			t.Fatalf("want one reconfirming query without the PTR as known answer, got %v", ours)
		}
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		mdnstest.Advance(20 * time.Second)
		if evs := r.events(); len(evs) != 1 {
			t.Errorf("events %v, want only the add: the answer reconfirmed the record", kinds(evs))
		}
	})
}

// A source that answers with addresses off this link (a reflector
// relaying another link) forwards other links' queries: they count
// neither for POOF (RFC 6762 §10.5) nor for duplicate question
// suppression (§7.3).
func TestRelayQueriesIgnored(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		relay := netip.MustParseAddrPort("10.0.0.253:5353")
		// The reflector relays an instance whose host lives on another
		// subnet.
		rrs := serviceRRs("A", 80, 4500)
		rrs[3] = aRR("web.local.", "10.99.0.1", 4500, true)
		respond(t, e.link, relay, rrs...)
		mdnstest.Advance(time.Second)
		ptrQuery := func() *dns.Msg {
			m := new(dns.Msg)
			m.Question = []dns.Question{{Name: "_http._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET}}
			return m
		}
		for range 6 {
			multicast(t, e.link, relay, ptrQuery())
			mdnstest.Advance(2 * time.Second)
		}
		mdnstest.Advance(20 * time.Second)
		if evs := r.events(); len(evs) != 1 {
			t.Errorf("events %v, want only the add: a relay's unanswered queries are no failure", kinds(evs))
		}
	})
}
