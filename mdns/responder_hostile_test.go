package mdns_test

import (
	"encoding/binary"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Hostile input gets no answer, is counted, and leaves the responder
// working (RFC 6762 §5.5, §11, §18).
func TestResponderHostileInput(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, g := published(t, svc("My Service"))
		good := packed(t, query(q(inst, dns.TypeSRV)))

		loop := append([]byte(nil), good[:12]...)
		binary.BigEndian.PutUint16(loop[4:], 1)
		loop = append(loop, 0xc0, 12, 0, 33, 0, 1) // a name pointing at itself

		opcode := query(q(inst, dns.TypeSRV))
		opcode.Opcode = dns.OpcodeUpdate

		many := append([]byte(nil), good...)
		binary.BigEndian.PutUint16(many[6:], 5000) // ANCOUNT

		conflictFromPort := response(srvRR(inst, "other.local.", 1, 120))

		cases := []struct {
			name string
			src  netip.AddrPort
			dst  netip.AddrPort
			data []byte
			stat func(mdns.Stats) uint64
		}{
			{"garbage", peer4, group4, []byte("\x00\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x09garbage"), func(s mdns.Stats) uint64 { return s.DroppedMalformed }},
			{"compression loop", peer4, group4, loop, func(s mdns.Stats) uint64 { return s.DroppedMalformed }},
			{"opcode", peer4, group4, packed(t, opcode), func(s mdns.Stats) uint64 { return s.DroppedOpcode }},
			{"too many records", peer4, group4, many, func(s mdns.Stats) uint64 { return s.DroppedTooMany }},
			{"off-link unicast", netip.MustParseAddrPort("192.0.2.7:5353"), netip.MustParseAddrPort("10.0.0.1:5353"), good, func(s mdns.Stats) uint64 { return s.DroppedOffLink }},
			{"off-link multicast", netip.MustParseAddrPort("192.0.2.7:5353"), group4, good, func(s mdns.Stats) uint64 { return s.DroppedOffLink }},
			{"off-link legacy", netip.MustParseAddrPort("192.0.2.7:40000"), group4, good, func(s mdns.Stats) uint64 { return s.DroppedOffLink }},
			{"response from port 1234", netip.MustParseAddrPort("10.0.0.200:1234"), group4, packed(t, conflictFromPort), func(s mdns.Stats) uint64 { return s.DroppedSrcPort }},
		}
		for _, tc := range cases {
			before := tc.stat(c.Stats())
			t0 := time.Now()
			if err := link.Inject(tc.src, tc.dst, tc.data); err != nil {
				t.Fatal(err)
			}
			mdnstest.Advance(2 * time.Second)
			if ws := sent(t, link, "h1", t0); len(ws) != 0 {
				dump(t, ws)
				t.Errorf("%s: h1 sent %d packets", tc.name, len(ws))
			}
			if tc.stat(c.Stats()) != before+1 {
				t.Errorf("%s: not counted", tc.name)
			}
		}
		if g.Instance() != "My Service" || c.Stats().Conflicts != 0 {
			t.Error("hostile input changed our name")
		}
		t0 := time.Now()
		inject(t, link, peer4, group4, query(q(inst, dns.TypeSRV)))
		mdnstest.Advance(time.Second)
		if len(responses(sent(t, link, "h1", t0))) != 1 {
			t.Fatal("no answer to a good query after the hostile ones")
		}
	})
}
