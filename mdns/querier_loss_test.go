package mdns_test

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Losses the querier rides out (internal/reliability measures them): a
// refresh that went unanswered is asked again over both families, and a
// record POOF condemned is asked for three times before it goes.

// askedOn returns when h1 asked for (name, typ) over IPv4 and over IPv6.
func askedOn(e *env, name string, typ uint16) (v4, v6 []time.Duration) {
	for _, s := range e.queries() {
		switch {
		case !asks(s.m, name, typ):
		case s.v6:
			v6 = append(v6, s.at)
		default:
			v4 = append(v4, s.at)
		}
	}
	return v4, v6
}

// RFC 6762 §5.2: the refresh at 80 % of the TTL goes over the family the
// record came by; when it is not answered, those at 85, 90 and 95 % go
// over both (a second path through a link that loses packets).
func TestCacheRefreshUnansweredAsksBothFamilies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(time.Second)
		at := time.Since(e.start)
		respond(t, e.link, peer4, serviceRRs("A", 80, 100)...) // heard over IPv4
		mdnstest.Advance(99 * time.Second)
		v4, v6 := askedOn(e, "A._http._tcp.local.", dns.TypeSRV)
		if len(v4) != 4 || len(v6) != 3 {
			t.Fatalf("SRV refreshes at %v over IPv4 and %v over IPv6, want 4 and 3", v4, v6)
		}
		for i := range v6 {
			if v6[i] != v4[i+1] {
				t.Errorf("IPv6 refresh %d at %v, want with the IPv4 one at %v", i+1, v6[i]-at, v4[i+1]-at)
			}
		}
		if d := v4[0] - at; d < 80*time.Second || d > 82*time.Second {
			t.Errorf("first refresh at %v, want 80–82 s", d)
		}
		if len(r.events()) != 1 {
			t.Errorf("events %v, want the add only", kinds(r.events()))
		}
	})
}

// An answered refresh asks nothing more, over either family.
func TestCacheRefreshAnsweredAsksOneFamily(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(time.Second)
		respond(t, e.link, peer4, serviceRRs("A", 80, 100)...)
		mdnstest.Advance(83 * time.Second) // past the 80 % refresh
		respond(t, e.link, peer4, serviceRRs("A", 80, 100)...)
		mdnstest.Advance(10 * time.Second)
		if v4, v6 := askedOn(e, "A._http._tcp.local.", dns.TypeSRV); len(v4) != 1 || len(v6) != 0 {
			t.Errorf("SRV refreshes at %v over IPv4 and %v over IPv6, want one over IPv4", v4, v6)
		}
	})
}

// RFC 6762 §10.4, §10.5: a record condemned by two unanswered queries of
// another host is asked for at once and 3 and 6 s later (the later ones
// over both families), without it among the known answers, then flushed
// 10 s after the second query; an answer to the last one saves it.
func TestCachePOOFReconfirmsThreeTimes(t *testing.T) {
	ptrQuery := func() *dns.Msg {
		m := new(dns.Msg)
		m.Question = []dns.Question{{Name: "_http._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET}}
		return m
	}
	for _, answered := range []bool{false, true} {
		synctest.Test(t, func(t *testing.T) {
			e := newEnv(t, both)
			respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
			r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
			mdnstest.Advance(5 * time.Second)
			before, _ := askedOn(e, "_http._tcp.local.", dns.TypePTR)
			multicast(t, e.link, other4, ptrQuery())
			mdnstest.Advance(time.Second)
			second := time.Since(e.start)
			multicast(t, e.link, other4, ptrQuery())
			mdnstest.Advance(7 * time.Second)
			if answered {
				respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
			}
			mdnstest.Advance(13 * time.Second)
			// The browse's own PTR queries (at 1 and 9 s here) go on too.
			v4, v6 := askedOn(e, "_http._tcp.local.", dns.TypePTR)
			o4, o6 := offsets(v4[len(before):], second), offsets(v6, second)
			for _, want := range []time.Duration{0, 3 * time.Second, 6 * time.Second} {
				if !slices.Contains(o4, want) {
					t.Errorf("IPv4 PTR queries at %v after the second query, want one at %v", o4, want)
				}
				if want > 0 && !slices.Contains(o6, want) {
					t.Errorf("IPv6 PTR queries at %v after the second query, want one at %v", o6, want)
				}
			}
			for _, s := range e.queries() {
				if s.at >= second && s.at <= second+6*time.Second && len(s.m.Answer) > 0 {
					t.Errorf("a reconfirmation at %v lists known answers %v", s.at-second, s.m.Answer)
				}
			}
			evs := r.events()
			switch {
			case answered && len(evs) != 1:
				t.Errorf("answered: events %v, want the add only", kinds(evs))
			case !answered && (len(evs) != 2 || evs[1].Kind != mdns.EventRemove || evs[1].at-second != 10*time.Second):
				t.Errorf("unanswered: events %v, want a remove 10 s after the second query", kinds(evs))
			}
		})
	}
}

func offsets(ds []time.Duration, from time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d - from
	}
	return out
}

// RFC 6762 §10.4: when an instance's SRV record runs out its TTL (the
// publisher crashed), its PTR and TXT, which would live 75 minutes, are
// asked for again and flushed 10 s later when nobody answers; a publisher
// that answers keeps them. A goodbye asks nothing more.
func TestCacheStaleInstanceReconfirmed(t *testing.T) {
	srvQuery := new(dns.Msg)
	srvQuery.Question = []dns.Question{{Name: "A._http._tcp.local.", Qtype: dns.TypeSRV, Qclass: dns.ClassINET}}
	for _, tc := range []struct {
		name    string
		answer  bool
		goodbye bool
		poof    bool // another browser's refreshes go unanswered first
	}{{name: "crashed"}, {name: "answers", answer: true}, {name: "goodbye", goodbye: true}, {name: "poof", poof: true}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				e := newEnv(t, both)
				r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
				mdnstest.Advance(time.Second)
				rrs := serviceRRs("A", 80, 4500)
				rrs[1] = srvRR("A._http._tcp.local.", "web.local.", 80, 100) // SRV lives 100 s
				at := time.Since(e.start)
				respond(t, e.link, peer4, rrs...)
				var gone time.Duration // when the goodbye took effect
				if tc.goodbye {
					mdnstest.Advance(10 * time.Second)
					bye := serviceRRs("A", 80, 0)
					respond(t, e.link, peer4, bye[:3]...)
					gone = time.Since(e.start) + time.Second
				}
				if tc.poof {
					// Another browser's refreshes at 80 and 85 % of the
					// SRV's TTL: POOF flushes it 10 s after the second.
					mdnstest.Advance(80*time.Second - (time.Since(e.start) - at))
					multicast(t, e.link, other4, srvQuery)
					mdnstest.Advance(5 * time.Second)
					multicast(t, e.link, other4, srvQuery)
				}
				mdnstest.Advance(100*time.Second - (time.Since(e.start) - at))
				expired := time.Since(e.start)
				if tc.poof {
					expired -= 5 * time.Second // the flush, at 95 s
				}
				if tc.goodbye {
					expired = gone
				}
				if tc.answer {
					mdnstest.Advance(4 * time.Second)
					respond(t, e.link, peer4, ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500), txtRR("A._http._tcp.local.", 4500, "v=1"))
				}
				mdnstest.Advance(20 * time.Second)
				n, _ := e.c.CacheSize()
				ptrQs, _ := askedOn(e, "_http._tcp.local.", dns.TypePTR)
				txtQs, _ := askedOn(e, "A._http._tcp.local.", dns.TypeTXT)
				after := func(qs []time.Duration) (n int) {
					for _, q := range qs {
						if q >= expired && q < expired+10*time.Second {
							n++
						}
					}
					return n
				}
				switch {
				case tc.goodbye:
					// The browse's own PTR query may fall in the window
					// (its interval doubles from 1 s); no reconfirmation.
					if after(ptrQs) > 1 || after(txtQs) > 0 {
						t.Errorf("after a goodbye: %d PTR and %d TXT queries, want no reconfirmation", after(ptrQs), after(txtQs))
					}
				case tc.answer:
					if n < 2 {
						t.Errorf("answered: %d records cached, want the PTR and TXT kept", n)
					}
				default:
					// the A record (TTL 4500 here) stays; PTR and TXT go.
					if n != 1 {
						t.Errorf("crashed: %d records cached 20 s after the SRV expired, want 1 (the A record)", n)
					}
					if after(ptrQs) < 3 || after(txtQs) < 3 {
						t.Errorf("crashed: %d PTR and %d TXT reconfirmations, want 3 each", after(ptrQs), after(txtQs))
					}
				}
				if evs := r.events(); len(evs) != 2 || evs[1].Kind != mdns.EventRemove {
					t.Errorf("events %v, want add, remove", kinds(evs))
				}
			})
		})
	}
}
