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
	if _, why := parseMessage(good); why != dropNone {
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
		if _, why := parseMessage(c.b); why != c.want {
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
		m, why := parseMessage(b)
		if (m == nil) != (why != dropNone) {
			t.Fatalf("message %v with reason %v", m != nil, why)
		}
	})
}
