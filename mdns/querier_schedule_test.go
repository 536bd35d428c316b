package mdns_test

import (
	"fmt"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"github.com/miekg/dns"
)

// RFC 6762 §5.2: first query 20–120 ms after the browse starts, then 1 s,
// 2 s, 4 s … doubling, capped at 60 minutes; on both families; ID 0, QR
// clear. No query asks for unicast replies (§5.4 makes QU optional, and
// port 5353 is shared: a unicast reply may reach another socket).
func TestQuerierSchedule(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(5 * time.Hour)
		r.stop()

		for _, v6 := range []bool{false, true} {
			var got []sentQuery
			for _, s := range e.queries() {
				if s.v6 == v6 {
					got = append(got, s)
				}
			}
			if len(got) < 16 {
				t.Fatalf("v6=%v: %d queries in 5 h, want at least 16", v6, len(got))
			}
			first := got[0].at
			if first < 20*ms || first > 120*ms {
				t.Errorf("v6=%v: first query at %v, want 20–120 ms", v6, first)
			}
			want := time.Second
			for i, s := range got {
				m := s.m
				if m.Id != 0 || m.Response || len(m.Question) != 1 {
					t.Fatalf("query %d: id %d, response %v, %d questions", i, m.Id, m.Response, len(m.Question))
				}
				q := m.Question[0]
				if q.Name != "_http._tcp.local." || q.Qtype != dns.TypePTR {
					t.Errorf("query %d asks %v", i, q)
				}
				if q.Qclass&0x8000 != 0 {
					t.Errorf("query %d has the QU bit", i)
				}
				if i == 0 {
					continue
				}
				if gap := s.at - got[i-1].at; gap != want {
					t.Errorf("v6=%v: gap before query %d is %v, want %v", v6, i, gap, want)
				}
				want = min(2*want, time.Hour)
			}
		}
	})
}

// Several browses started together share their queries.
func TestQuerierQuestionsShareMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		e.browse(mdns.BrowseQuery{Type: "_ipp._tcp"})
		mdnstest.Advance(10 * time.Second)
		qs := e.queries()
		var v4 []sentQuery
		for _, s := range qs {
			if !s.v6 {
				v4 = append(v4, s)
			}
		}
		if len(v4) != 4 { // +δ, +1 s, +3 s, +7 s
			t.Fatalf("%d IPv4 queries in 10 s, want 4", len(v4))
		}
		for i, s := range v4 {
			if len(s.m.Question) != 2 {
				t.Errorf("query %d has %d questions, want both browses' PTR questions", i, len(s.m.Question))
			}
		}
	})
}

// A second browse of the same type shares the first's schedule rather
// than restarting it, and learns at once what the cache holds.
func TestQuerierSharedQuestion(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		r1 := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(2 * time.Second)
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		r2 := e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		if got := kinds(r2.events()); len(got) != 1 || got[0] != "add A" {
			t.Errorf("second browse got %v at once, want [add A]", got)
		}
		mdnstest.Advance(4 * time.Second)
		ats := []time.Duration{}
		for _, s := range e.asking("_http._tcp.local.", dns.TypePTR) {
			ats = append(ats, s.at)
		}
		if len(ats) != 3 || ats[2]-ats[1] != 2*time.Second {
			t.Errorf("PTR queries at %v, want one schedule (δ, δ+1 s, δ+3 s)", ats)
		}
		r1.stop()
		r2.stop()
	})
}

// RFC 6762 §7.1: known answers with more than half their TTL left are
// listed, with their remaining TTL; §7.2: a list that does not fit is
// continued in further messages, TC set on all but the last, the question
// in the first only.
func TestQuerierKnownAnswersSplit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		// 5 instances with a 10 s TTL that will be below half when we ask.
		for i := range 5 {
			respond(t, e.link, peer4, serviceRRs(fmt.Sprintf("short-%d", i), 80, 10)...)
		}
		mdnstest.Advance(6 * time.Second)
		long := strings.Repeat("x", 50)
		for i := range 60 {
			respond(t, e.link, peer4, serviceRRs(fmt.Sprintf("%s-%02d", long, i), 80, 4500)...)
		}
		mdnstest.Advance(time.Second)
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(200 * ms)

		var first []sentQuery
		for _, s := range e.queries() {
			if !s.v6 {
				first = append(first, s)
			}
		}
		if len(first) < 3 {
			t.Fatalf("first query went out in %d messages, want at least 3 for 60 long known answers", len(first))
		}
		seen := map[string]bool{}
		for i, s := range first {
			last := i == len(first)-1
			if s.m.Truncated == last {
				t.Errorf("message %d of %d: TC %v", i+1, len(first), s.m.Truncated)
			}
			if (len(s.m.Question) > 0) != (i == 0) {
				t.Errorf("message %d has %d questions", i+1, len(s.m.Question))
			}
			if s.at != first[0].at {
				t.Errorf("message %d at %v, first at %v", i+1, s.at, first[0].at)
			}
			for _, rr := range s.m.Answer {
				p, ok := rr.(*dns.PTR)
				if !ok {
					t.Fatalf("known answer %v is not a PTR", rr)
				}
				if strings.HasPrefix(p.Ptr, "short-") {
					t.Errorf("known answer %v has less than half its TTL left", rr)
				}
				if p.Hdr.Ttl > 4499 || p.Hdr.Ttl < 4497 {
					t.Errorf("known answer TTL %d, want the remaining TTL (about 4498)", p.Hdr.Ttl)
				}
				if p.Hdr.Class != dns.ClassINET {
					t.Errorf("known answer class %#x", p.Hdr.Class)
				}
				seen[p.Ptr] = true
			}
		}
		if len(seen) != 60 {
			t.Errorf("%d distinct known answers, want 60", len(seen))
		}
	})
}

// RFC 6762 §7.3: another host's identical QM question, with known answers
// that are a subset of ours, makes us skip our query and carry on as if we
// had sent it; one listing a record we do not know does not.
func TestQuerierDuplicateQuestionSuppression(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		respond(t, e.link, peer4, serviceRRs("A", 80, 4500)...)
		e.browse(mdns.BrowseQuery{Type: "_http._tcp"})
		mdnstest.Advance(200 * ms)
		qs := e.asking("_http._tcp.local.", dns.TypePTR)
		if len(qs) != 1 {
			t.Fatalf("%d first queries", len(qs))
		}
		t0 := qs[0].at
		ask := func(ka ...dns.RR) {
			m := new(dns.Msg)
			m.Question = []dns.Question{{Name: "_http._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET}}
			m.Answer = ka
			multicast(t, e.link, other4, m)
		}
		// Ours is due at t0+1 s; the other host asks at t0+0.5 s with a
		// known answer we also hold.
		mdnstest.Advance(t0 + 500*ms - time.Since(e.start))
		ask(ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500))
		// Due at t0+3 s; asked at t0+2.5 s listing a record we lack.
		mdnstest.Advance(2 * time.Second)
		ask(ptrRR("_http._tcp.local.", "A._http._tcp.local.", 4500), ptrRR("_http._tcp.local.", "Z._http._tcp.local.", 4500))
		mdnstest.Advance(5 * time.Second)

		var got []time.Duration
		for _, s := range e.asking("_http._tcp.local.", dns.TypePTR) {
			got = append(got, s.at-t0)
		}
		want := []time.Duration{0, 3 * time.Second, 7 * time.Second}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("our PTR queries at %v after the first, want %v (the one at 1 s suppressed)", got, want)
		}
	})
}
