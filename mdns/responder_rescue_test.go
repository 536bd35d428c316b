package mdns_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// RFC 6762 §10.1: a goodbye from another responder for a record we
// publish too (another program on this machine closing, which withdraws
// the host's addresses) is answered with the record inside the second
// before queriers delete it, and after the pair's second goodbye (250 ms
// later), which would otherwise restart their countdown; a goodbye for a
// record that is not ours is not answered; a stream of goodbyes gets one
// rescue a second.
func TestResponderRescuesGoodbyeForOwnRecord(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		var a dns.RR
		for _, w := range responses(sent(t, link, "h1", time.Time{})) {
			if a = findRR(w.m.Answer, "h1.local.", dns.TypeA); a != nil {
				break
			}
		}
		if a == nil {
			t.Fatal("h1 announced no A record")
		}
		bye := func(rr dns.RR) *dns.Msg {
			rr = dns.Copy(rr)
			rr.Header().Ttl = 0
			rr.Header().Class &^= 0x8000
			m := new(dns.Msg)
			m.Response, m.Authoritative = true, true
			m.Answer = []dns.RR{rr}
			return m
		}
		t0 := time.Now()
		inject(t, link, peer4, group4, bye(a))
		mdnstest.Advance(250 * time.Millisecond)
		inject(t, link, peer4, group4, bye(a))
		mdnstest.Advance(750*time.Millisecond - time.Millisecond)
		ws := withRR(responses(sent(t, link, "h1", t0)), "h1.local.", dns.TypeA)
		if len(ws) != 1 || ws[0].Time.Sub(t0) <= 250*time.Millisecond {
			dump(t, ws)
			t.Fatalf("%d responses with the A record within the second after its goodbye, want 1, after the second goodbye", len(ws))
		}
		if rr := findRR(ws[0].m.Answer, "h1.local.", dns.TypeA); rr.Header().Ttl == 0 {
			t.Fatal("the rescue is a goodbye itself")
		}

		// Not ours: nothing.
		other := dns.Copy(a).(*dns.A)
		other.Hdr.Name = "elsewhere.local."
		mdnstest.Advance(2 * time.Second)
		t1 := time.Now()
		inject(t, link, peer4, group4, bye(other))
		mdnstest.Advance(2 * time.Second)
		if ws := responses(sent(t, link, "h1", t1)); len(ws) != 0 {
			dump(t, ws)
			t.Fatal("answered a goodbye for a record that is not ours")
		}

		// A flood of goodbyes: the rate limit holds (RFC 6762 §6).
		t2 := time.Now()
		for range 50 {
			inject(t, link, peer4, group4, bye(a))
			mdnstest.Advance(20 * time.Millisecond)
		}
		if n := len(withRR(responses(sent(t, link, "h1", t2)), "h1.local.", dns.TypeA)); n > 2 {
			t.Fatalf("%d rescues of the A record in one second of goodbyes, want at most 2", n)
		}
	})
}
