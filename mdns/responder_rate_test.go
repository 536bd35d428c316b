package mdns_test

import (
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// RFC 6762 §6: a record is multicast at most once a second on an
// interface, as an answer or as an additional record. Questions from
// several hosts within a few milliseconds, each of whose answers would
// carry the host's addresses and the instance's SRV (a query flood does
// this at will), multicast each record once; the hosts that asked later
// get their answers by unicast.
func TestResponderNoRecordTwiceASecond(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		t0 := time.Now()
		for i, qu := range []dns.Question{q("h1.local.", dns.TypeA), q(inst, dns.TypeSRV), q(typName, dns.TypePTR),
			q(inst, dns.TypeANY), q("h1.local.", dns.TypeAAAA), q(inst, dns.TypeTXT)} {
			src := netip.AddrPortFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(201 + i)}), 5353)
			inject(t, link, src, group4, query(qu))
			time.Sleep(8 * time.Millisecond)
		}
		mdnstest.Advance(900 * time.Millisecond)
		ws := sent(t, link, "h1", t0)
		seen := map[string]int{}
		types := map[uint16]bool{}
		multicast, unicast := 0, 0
		for _, w := range responses(ws) {
			if w.Dst != group4 {
				unicast++
				continue
			}
			multicast++
			for _, rr := range append(append([]dns.RR{}, w.m.Answer...), w.m.Extra...) {
				types[rr.Header().Rrtype] = true
				key := fmt.Sprintf("%s %s %s", rr.Header().Name, dns.TypeToString[rr.Header().Rrtype], rrData(rr))
				if seen[key]++; seen[key] == 2 {
					dump(t, ws)
					t.Errorf("%s multicast twice within a second", key)
				}
			}
		}
		if multicast == 0 || unicast == 0 {
			t.Fatalf("%d multicast and %d unicast answers, want both", multicast, unicast)
		}
		for _, typ := range []uint16{dns.TypeA, dns.TypeAAAA, dns.TypeSRV, dns.TypePTR, dns.TypeTXT} {
			if !types[typ] {
				t.Errorf("no %s multicast: every asker should have its answer", dns.TypeToString[typ])
			}
		}
	})
}
