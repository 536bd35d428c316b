package mdns_test

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// Idle means quiet: an idle mdns-announce on h1 and an idle
// `mdns-browse --watch` on h2, captured on the bridge for 120 s (both
// families counted). From 10 s to 120 s the responder sends at most 3
// packets and the browser at most 8 queries — the browser's continuous
// PTR queries at about 15, 31 and 63 s on each family (RFC 6762 §5.2) and
// one refresh of the records it learned together, at 80 % of their 120 s
// TTL, answered once. No record is multicast twice within a second on a
// family over the whole run (§6; goodbyes excepted, which §10.1 repeats).
func TestLANIdlePairQuiet(t *testing.T) {
	t.Parallel()
	opts := testlan.Options{Hosts: 2, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-browse"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		stop := lan.Capture(t, "idle")
		ann := h1.Start(t, lan.Bin("mdns-announce"), "--instance", "Idle", "--service", "_idle._tcp", "--port", "80", "--txt", "k=v")
		if !ann.WaitOutput(10*time.Second, "registered") {
			t.Fatalf("announce did not register:\n%s", ann.Output())
		}
		t0 := time.Now()
		br := h2.Start(t, lan.Bin("mdns-browse"), "--service", "_idle._tcp", "--watch", "--json")
		if !br.WaitOutput(10*time.Second, `"event":"add"`) {
			t.Fatalf("browse saw nothing:\n%s", br.Output())
		}
		time.Sleep(121*time.Second - time.Since(t0))
		ds := testlan.ReadCapture(t, stop())

		var resp, queries, all []string
		last := map[string]time.Time{} // sender|family|record → last multicast
		for _, d := range ds {
			m := new(dns.Msg)
			if err := m.Unpack(d.Payload); err != nil {
				t.Fatalf("unparsable packet in the capture: %v", err)
			}
			at := d.Time.Sub(t0)
			line := fmt.Sprintf("%7.3fs %v %s", at.Seconds(), d.Src, summary(m))
			from1 := d.Src.Addr() == h1.IPv4 || d.Src.Addr() == h1.IPv6 || d.Src.Addr().WithZone("") == h1.LinkLocal
			from2 := d.Src.Addr() == h2.IPv4 || d.Src.Addr() == h2.IPv6 || d.Src.Addr().WithZone("") == h2.LinkLocal
			all = append(all, line)
			inWindow := at >= 10*time.Second && at <= 120*time.Second
			if m.Response && from1 && inWindow {
				resp = append(resp, line)
			}
			if !m.Response && from2 && inWindow {
				queries = append(queries, line)
			}
			if !m.Response || !d.Dst.Addr().IsMulticast() {
				continue
			}
			for _, rr := range slices.Concat(m.Answer, m.Extra) {
				if rr.Header().Ttl == 0 {
					continue
				}
				key := d.Src.Addr().String() + "|" + strconv.FormatBool(d.Dst.Addr().Is4()) + "|" + dns.CanonicalName(rr.Header().Name) + " " + dns.TypeToString[rr.Header().Rrtype] + " " + rrData(rr)
				// Capture timestamps are taken at the bridge: the first
				// of two packets may have waited a few ms longer on its
				// way there than the second.
				if prev, ok := last[key]; ok && d.Time.Sub(prev) < time.Second-20*time.Millisecond {
					t.Errorf("%s multicast twice within %v", key, d.Time.Sub(prev))
				}
				last[key] = d.Time
			}
		}
		if t.Failed() {
			t.Logf("the whole capture:\n%s", lines(all))
		}
		t.Logf("responder packets 10–120 s (%d):\n%s", len(resp), lines(resp))
		t.Logf("browser queries 10–120 s (%d):\n%s", len(queries), lines(queries))
		if len(resp) > 3 {
			t.Errorf("responder sent %d packets in 10–120 s, budget 3", len(resp))
		}
		if len(queries) > 8 {
			t.Errorf("browser sent %d queries in 10–120 s, budget 8", len(queries))
		}
	})
}

// summary lists a message's questions and records briefly.
func summary(m *dns.Msg) string {
	s := ""
	for _, q := range m.Question {
		s += " Q:" + q.Name + "/" + dns.TypeToString[q.Qtype]
	}
	for _, rr := range m.Answer {
		s += " AN:" + rr.Header().Name + "/" + dns.TypeToString[rr.Header().Rrtype]
	}
	for _, rr := range m.Extra {
		s += " AR:" + rr.Header().Name + "/" + dns.TypeToString[rr.Header().Rrtype]
	}
	return s
}

// rrData is a record's RDATA in presentation form.
func rrData(rr dns.RR) string {
	h := rr.Header().String()
	return rr.String()[len(h):]
}

func lines(ls []string) string {
	out := ""
	for _, l := range ls {
		out += "  " + l + "\n"
	}
	return out
}
