package mdns_test

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// An interface that comes back with another address after it was down (a
// laptop woken on another network) says goodbye to the old address's
// records before probing and announcing anew (RFC 6762 §10.1, §8.3): the
// goodbyes could not be sent while the link was down, and the old reverse
// PTR, unlike the A record, is not flushed by the new announcements'
// cache-flush bit (§10.2). An interface that comes back with the same
// addresses, or after peers let the old records expire, sends none.
func TestResponderRelinkGoodbyes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		down     time.Duration
		renumber bool
		want     int // goodbyes for the old address
	}{
		{"renumbered while down", 10 * time.Second, true, 2},
		{"same address", 10 * time.Second, false, 0},
		{"down past the TTL", 121 * time.Second, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := mdnstest.NewLink(mdnstest.LinkConfig{})
				h1 := link.AddHost("h1")
				defer h1.Close()
				c := listen(t, h1)
				register(t, c, svc("My Service"))
				mdnstest.Advance(8 * time.Second)

				old := netip.MustParsePrefix("10.0.0.1/16")
				if err := h1.SetUp("eth0", false); err != nil {
					t.Fatal(err)
				}
				mdnstest.Advance(time.Second)
				if tc.renumber {
					if err := h1.AddPrefix("eth0", netip.MustParsePrefix("10.0.0.9/16")); err != nil {
						t.Fatal(err)
					}
					if err := h1.RemovePrefix("eth0", old); err != nil {
						t.Fatal(err)
					}
				}
				mdnstest.Advance(tc.down - time.Second)
				t0 := time.Now()
				if err := h1.SetUp("eth0", true); err != nil {
					t.Fatal(err)
				}
				mdnstest.Advance(10 * time.Second)
				ws := sent(t, link, "h1", t0)
				bye := goodbyes(ws)
				if len(bye) != tc.want {
					dump(t, ws)
					t.Fatalf("%d goodbyes after the link came back, want %d", len(bye), tc.want)
				}
				for _, w := range bye {
					a, ok := findRR(w.m.Answer, "h1.local.", dns.TypeA).(*dns.A)
					ptr, _ := findRR(w.m.Answer, "1.0.0.10.in-addr.arpa.", dns.TypePTR).(*dns.PTR)
					if !ok || a.A.String() != "10.0.0.1" || ptr == nil || ptr.Ptr != "h1.local." || len(w.m.Answer) != 2 {
						t.Fatalf("want goodbyes for A 10.0.0.1 and its reverse PTR only, got\n%v", w)
					}
					if w.Time.Sub(t0) > 2*time.Second {
						t.Errorf("goodbye at +%v, want it at once (and 1 s later)", w.Time.Sub(t0))
					}
				}
				if len(probes(ws)) == 0 || len(withRR(responses(ws), "h1.local.", dns.TypeA)) == 0 {
					dump(t, ws)
					t.Fatal("no probing and announcing after the link came back")
				}
			})
		})
	}
}
