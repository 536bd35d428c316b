package mdns

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

func TestParseMessageFilters(t *testing.T) {
	q := new(dnsmsg.Msg)
	q.Question = []dnsmsg.Question{{Name: "_x._tcp.local.", Qtype: dnsmsg.TypePTR, Qclass: dnsmsg.ClassINET}}
	good := packed(t, q)
	if _, _, why := parseMessage(good); why != dropNone {
		t.Fatalf("a plain query was dropped: %v", why)
	}

	op := *q
	op.Opcode = 5 // UPDATE (RFC 2136)
	resp := new(dnsmsg.Msg)
	resp.Response = true
	resp.Rcode = 2                                                                       // SERVFAIL
	loop := append([]byte{0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0}, 0xc0, 12, 0, 12, 0, 1) // name points at itself
	many := append([]byte(nil), good...)
	many[4], many[5] = 0x10, 0 // 4096 questions announced

	for name, c := range map[string]struct {
		b    []byte
		want dropReason
	}{
		"opcode":           {packed(t, &op), dropOpcode},
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
	q := new(dnsmsg.Msg)
	q.Question = []dnsmsg.Question{{Name: "_http._tcp.local.", Qtype: dnsmsg.TypePTR, Qclass: dnsmsg.ClassINET}}
	b, _ := q.Pack()
	f.Add(b)
	f.Add([]byte{0, 0, 0x84, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 12, 0, 1})
	for _, c := range realCaptures(f) {
		f.Add(c.data)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, skipped, why := parseMessage(b)
		if (m == nil) != (why != dropNone) {
			t.Fatalf("message %v with reason %v", m != nil, why)
		}
		if m == nil {
			return
		}
		// An accepted message holds no more than its header announced
		// (skipped records are the difference) and re-packs, compressed,
		// within the 9000 bytes of RFC 6762 §17: nothing we accept can
		// make us send more than we may.
		counts := [4]int{len(m.Question), len(m.Answer), len(m.Ns), len(m.Extra)}
		total := 0
		for i, n := range counts {
			if hdr := int(binary.BigEndian.Uint16(b[4+2*i:])); n > hdr {
				t.Fatalf("section %d holds %d records, header says %d", i, n, hdr)
			}
			total += n
		}
		if skipped < 0 || total+skipped > maxRecordsPerPacket {
			t.Fatalf("%d records and %d skipped, bound %d", total, skipped, maxRecordsPerPacket)
		}
		out, err := m.Pack()
		if err != nil {
			t.Fatalf("accepted message does not re-pack: %v", err)
		}
		if len(out) > MaxPacketSize {
			t.Fatalf("accepted %d bytes re-pack to %d, over %d", len(b), len(out), MaxPacketSize)
		}
	})
}

// python-zeroconf 0.47.3 adds an NSEC whose type bitmap starts with an
// empty window block (rdata c00c 0000 0004 00000008, seen on the virtual
// LAN), which miekg/dns refuses for the whole message. The records beside
// it must survive; only the bad one is skipped.
func TestParseMessageSkipsOnlyTheBadRecord(t *testing.T) {
	r := new(dnsmsg.Msg)
	r.Response = true
	r.Answer = []dnsmsg.RR{
		&dnsmsg.PTR{Hdr: dnsmsg.Header{Name: "_http._tcp.local.", Type: dnsmsg.TypePTR, Class: dnsmsg.ClassINET, TTL: 4500}, Ptr: "zc._http._tcp.local."},
		&dnsmsg.A{Hdr: dnsmsg.Header{Name: "zc.local.", Type: dnsmsg.TypeA, Class: dnsmsg.ClassINET, TTL: 120}, Addr: netip.AddrFrom4([4]byte{10, 99, 0, 2})},
	}
	b := packed(t, r)
	nsec := []byte{0xc0, 12, 0, 47, 0x80, 1, 0, 0, 0, 120, 0, 10, 0xc0, 12, 0, 0, 0, 4, 0, 0, 0, 8}
	b = append(b[:len(b):len(b)], nsec...)
	b[11]++ // ARCOUNT
	var strict dnsmsg.Msg
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

type capture struct {
	name string
	data []byte
}

// realCaptures are real mDNS messages from Avahi 0.8 and python-zeroconf
// 0.47.3, captured on the virtual LAN (testdata/captures/mdns/README.md).
func realCaptures(tb testing.TB) []capture {
	tb.Helper()
	files, err := filepath.Glob("../testdata/captures/mdns/*.bin")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no captures: %v", err)
	}
	var out []capture
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, capture{filepath.Base(f), b})
	}
	return out
}

// Every message real peers sent is accepted, with all its records: only
// python-zeroconf's NSECs with an empty bitmap block may be skipped.
func TestParseMessageAcceptsRealCaptures(t *testing.T) {
	for _, c := range realCaptures(t) {
		m, skipped, why := parseMessage(c.data)
		if why != dropNone {
			t.Errorf("%s: dropped (%v)", c.name, why)
			continue
		}
		n := len(m.Question) + len(m.Answer) + len(m.Ns) + len(m.Extra) + skipped
		if want := int(binary.BigEndian.Uint16(c.data[4:])) + int(binary.BigEndian.Uint16(c.data[6:])) +
			int(binary.BigEndian.Uint16(c.data[8:])) + int(binary.BigEndian.Uint16(c.data[10:])); n != want {
			t.Errorf("%s: %d records, header says %d", c.name, n, want)
		}
		if skipped > 0 && !strings.HasPrefix(c.name, "zeroconf-") {
			t.Errorf("%s: %d records skipped", c.name, skipped)
		}
	}
}
