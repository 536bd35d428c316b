package mdns

import (
	"testing"

	"github.com/miekg/dns"
)

func packed(t *testing.T, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseMessageFilters(t *testing.T) {
	q := new(dns.Msg)
	q.SetQuestion("_x._tcp.local.", dns.TypePTR)
	good := packed(t, q)
	if _, _, why := parseMessage(good); why != dropNone {
		t.Fatalf("a plain query was dropped: %v", why)
	}

	op := q.Copy()
	op.Opcode = dns.OpcodeUpdate
	resp := new(dns.Msg)
	resp.Response = true
	resp.Rcode = dns.RcodeServerFailure
	loop := append([]byte{0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 0xc0, 12, 0, 12, 0, 1) // name points at itself
	many := append([]byte(nil), good...)
	many[4], many[5] = 0x10, 0 // 4096 questions announced

	for name, c := range map[string]struct {
		b    []byte
		want dropReason
	}{
		"opcode":           {packed(t, op), dropOpcode},
		"rcode":            {packed(t, resp), dropOpcode},
		"short":            {good[:7], dropMalformed},
		"compression loop": {loop, dropMalformed},
		"too many records": {many, dropTooMany},
		"oversize":         {make([]byte, MaxPacketSize+1), dropOversize},
		"truncated body":   {good[:len(good)-3], dropMalformed},
	} {
		if _, _, why := parseMessage(c.b); why != c.want {
			t.Errorf("%s: reason %v, want %v", name, why, c.want)
		}
	}
}

func FuzzParseMessage(f *testing.F) {
	q := new(dns.Msg)
	q.SetQuestion("_http._tcp.local.", dns.TypePTR)
	b, _ := q.Pack()
	f.Add(b)
	f.Add([]byte{0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		m, _, why := parseMessage(b)
		if (m == nil) != (why != dropNone) {
			t.Fatalf("message %v with reason %v", m != nil, why)
		}
	})
}

// python-zeroconf 0.47.3 adds an NSEC whose type bitmap starts with an
// empty window block (rdata c00c 0000 0004 00000008, seen on the virtual
// LAN), which miekg/dns refuses for the whole message. The records beside
// it must survive; only the bad one is skipped.
func TestParseMessageSkipsOnlyTheBadRecord(t *testing.T) {
	r := new(dns.Msg)
	r.Response = true
	r.Answer = []dns.RR{
		&dns.PTR{Hdr: dns.RR_Header{Name: "_http._tcp.local.", Rrtype: dns.TypePTR, Class: dns.ClassINET, Ttl: 4500}, Ptr: "zc._http._tcp.local."},
		&dns.A{Hdr: dns.RR_Header{Name: "zc.local.", Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 120}, A: []byte{10, 99, 0, 2}},
	}
	b := packed(t, r)
	nsec := []byte{0xc0, 12, 0, 47, 0x80, 1, 0, 0, 0, 120, 0, 10, 0xc0, 12, 0, 0, 0, 4, 0, 0, 0, 8}
	b = append(b[:len(b):len(b)], nsec...)
	b[11]++ // ARCOUNT
	var strict dns.Msg
	if strict.Unpack(b) == nil {
		t.Fatal("miekg/dns accepts the empty bitmap block now; this test no longer exercises the fallback")
	}
	m, skipped, why := parseMessage(b)
	if why != dropNone || m == nil {
		t.Fatalf("message dropped: %v", why)
	}
	if skipped != 1 || len(m.Answer) != 2 || len(m.Extra) != 0 || !m.Response {
		t.Errorf("skipped %d, answers %d, extra %d, response %v; want 1, 2, 0, true", skipped, len(m.Answer), len(m.Extra), m.Response)
	}
	// A record whose framing runs past the end still drops the message.
	cut := append([]byte(nil), b...)
	cut[len(cut)-nsecRDLenFromEnd] = 200
	if _, _, why := parseMessage(cut); why != dropMalformed {
		t.Errorf("broken framing: reason %v, want malformed", why)
	}
}

// nsecRDLenFromEnd locates the low byte of the appended NSEC's RDLENGTH.
const nsecRDLenFromEnd = 11
