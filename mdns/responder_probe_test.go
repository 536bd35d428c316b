package mdns_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// RFC 6762 §8.1, §8.3: 0–250 ms, three probes 250 ms apart combining the
// host and instance names, then four announcements, 1, 2 and 4 s apart.
func TestRegisterProbeAndAnnounceTiming(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		start := time.Now()
		g := register(t, c, svc("My Service"))
		established := time.Now()
		mdnstest.Advance(9 * time.Second)
		ws := sent(t, link, "h1", start)
		dump(t, ws)

		ps := probes(ws)
		if len(ps) != 3 {
			t.Fatalf("got %d probes, want 3", len(ps))
		}
		if d := ps[0].Time.Sub(start); !between(d, 0, 250*time.Millisecond) {
			t.Errorf("first probe after %v, want 0–250ms", d)
		}
		for i, p := range ps {
			if i > 0 && p.Time.Sub(ps[i-1].Time) != 250*time.Millisecond {
				t.Errorf("probe %d %v after the previous one, want 250ms", i+1, p.Time.Sub(ps[i-1].Time))
			}
			// Host name, instance name and the reverse names of the
			// host's three addresses, in one message.
			if len(p.m.Question) != 5 || p.m.Question[0].Name != "h1.local." || p.m.Question[4].Name != `My\ Service._http._tcp.local.` {
				t.Fatalf("probe %d asks %v, want host, reverse names and instance in one message", i+1, p.m.Question)
			}
			for _, q := range p.m.Question {
				if q.Qtype != dns.TypeANY || q.Qclass != dns.ClassINET {
					t.Errorf("probe question %v: want type ANY, class IN, QM", q)
				}
			}
			if findRR(p.m.Ns, `My\ Service._http._tcp.local.`, dns.TypeSRV) == nil ||
				findRR(p.m.Ns, `My\ Service._http._tcp.local.`, dns.TypeTXT) == nil ||
				findRR(p.m.Ns, "h1.local.", dns.TypeA) == nil {
				t.Errorf("probe %d authority lacks SRV, TXT or A: %v", i+1, p.m.Ns)
			}
		}
		anns := withRR(responses(ws), `My\ Service._http._tcp.local.`, dns.TypeSRV)
		if len(anns) != 4 {
			t.Fatalf("got %d announcements, want 4", len(anns))
		}
		if d := anns[0].Time.Sub(ps[2].Time); d != 250*time.Millisecond {
			t.Errorf("first announcement %v after the last probe, want 250ms", d)
		}
		for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
			if d := anns[i+1].Time.Sub(anns[i].Time); d != want {
				t.Errorf("announcements %d and %d %v apart, want %v", i+1, i+2, d, want)
			}
		}
		if !established.Equal(anns[0].Time) {
			t.Errorf("Register returned at %v, first announcement at %v", established.Sub(start), anns[0].Time.Sub(start))
		}
		if g.Instance() != "My Service" {
			t.Errorf("instance %q", g.Instance())
		}
	})
}

// RFC 6762 §10: 120 s for SRV, address, reverse and NSEC records, 75 min
// for PTR and TXT; Service.TTL overrides them all, the host's too.
func TestRegisterTTLs(t *testing.T) {
	for _, tc := range []struct {
		ttl         time.Duration
		host, other uint32
	}{{0, 120, 4500}, {30 * time.Second, 30, 30}} {
		synctest.Test(t, func(t *testing.T) {
			link := newLink(t)
			_, c := addHost(t, link, "h1")
			s := svc("My Service")
			s.TTL = tc.ttl
			start := time.Now()
			register(t, c, s)
			anns := responses(sent(t, link, "h1", start))
			if len(anns) == 0 {
				t.Fatal("no announcement")
			}
			m := anns[0].m
			for _, rr := range append(append([]dns.RR{}, m.Answer...), m.Extra...) {
				want := tc.host
				if rr.Header().Rrtype == dns.TypeTXT || rr.Header().Rrtype == dns.TypePTR && rr.(*dns.PTR).Ptr != "h1.local." {
					want = tc.other
				}
				if rr.Header().Ttl != want {
					t.Errorf("TTL override %v: %v has TTL %d, want %d", tc.ttl, rr, rr.Header().Ttl, want)
				}
			}
		})
	}
}
