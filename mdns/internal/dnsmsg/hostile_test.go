package dnsmsg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

// wire builds a message: a header with the given section counts, then the
// body parts as they are.
func wire(qd, an uint16, body ...[]byte) []byte {
	b := []byte{0, 0, 0x84, 0, byte(qd >> 8), byte(qd), byte(an >> 8), byte(an), 0, 0, 0, 0}
	return append(b, bytes.Join(body, nil)...)
}

// wname is a name in wire format, uncompressed.
func wname(labels ...string) []byte {
	var b []byte
	for _, l := range labels {
		b = append(append(b, byte(len(l))), l...)
	}
	return append(b, 0)
}

// rec is a record's fixed fields (class IN, TTL 120) with its RDATA.
func rec(typ uint16, rdata ...byte) []byte {
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = append(b, 0, 1, 0, 0, 0, 120)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
	return append(b, rdata...)
}

var question = []byte{0, 1, 0, 1} // type A, class IN

// longLabels is a name of 63-octet labels, n of them.
func longLabels(n int) []string {
	var l []string
	for i := range n {
		l = append(l, strings.Repeat(string(rune('a'+i)), 63))
	}
	return l
}

func TestUnpackHostile(t *testing.T) {
	a := wname("a")
	over := wname(longLabels(4)...) // 4*64+1 = 257 octets
	for _, c := range []struct {
		name string
		msg  []byte
		want error
	}{
		{"header cut", []byte{0, 0, 0, 0, 0}, ErrShort},
		{"question name cut", wire(1, 0, []byte{5, 'l', 'o'}), ErrShort},
		{"question name without its end", wire(1, 0, []byte{1, 'a'}), ErrShort},
		{"question without class", wire(1, 0, a, []byte{0, 1}), ErrShort},
		{"pointer to itself", wire(1, 0, []byte{0xc0, 12}, question), ErrName},
		{"pointer to the start of its own name", wire(1, 0, []byte{1, 'a', 0xc0, 12}, question), ErrName},
		{"pointer forward", wire(2, 0, []byte{0xc0, 18}, question, a, question), ErrName},
		{"pointer cut", wire(1, 0, []byte{0xc0}), ErrShort},
		{"pointer past the end", wire(2, 0, a, question, []byte{0xc0, 0xff}, question), ErrName},
		{"label type 0x40", wire(1, 0, []byte{0x41, 'a', 0}, question), ErrName},
		{"label type 0x80", wire(1, 0, []byte{0x81, 'a', 0}, question), ErrName},
		{"name over 255 octets", wire(1, 0, over, question), ErrName},
		// 255 octets, then one more label in front pointing at them.
		{"name over 255 octets through a pointer", wire(2, 0, wname(name255Labels()...), question, []byte{1, 'x', 0xc0, 12}, question), ErrName},
		{"record header cut", wire(0, 1, a, []byte{0, 1, 0, 1, 0}), ErrShort},
		{"rdlength past the end", wire(0, 1, a, rec(TypeA, 1, 2, 3, 4)[:12]), ErrShort},
		{"A of 3 octets", wire(0, 1, a, rec(TypeA, 10, 0, 0)), ErrRdata},
		{"A of 5 octets", wire(0, 1, a, rec(TypeA, 10, 0, 0, 1, 0)), ErrRdata},
		// miekg/dns accepts empty RDATA (RFC 2136 §2.5 deletions); mDNS has no use for it.
		{"A empty", wire(0, 1, a, rec(TypeA)), ErrRdata},
		{"AAAA of 15 octets", wire(0, 1, a, rec(TypeAAAA, make([]byte, 15)...)), ErrRdata},
		{"PTR with octets after its name", wire(0, 1, a, rec(TypePTR, 1, 'b', 0, 0xff)), ErrRdata},
		{"PTR name running out of its RDATA", wire(0, 1, a, rec(TypePTR, 1, 'b'), []byte{0}), ErrShort},
		{"PTR pointing forward", wire(0, 1, a, rec(TypePTR, 0xc0, 27), a), ErrName},
		{"CNAME empty", wire(0, 1, a, rec(TypeCNAME)), ErrShort},
		{"SRV of 6 octets", wire(0, 1, a, rec(TypeSRV, 0, 0, 0, 0, 0, 0)), ErrRdata},
		{"SRV with octets after its target", wire(0, 1, a, rec(TypeSRV, 0, 0, 0, 0, 0, 0, 0, 0)), ErrRdata},
		{"TXT string overrunning its RDATA", wire(0, 1, a, rec(TypeTXT, 3, 'a', 'b', 5, 'a', 'b')), ErrRdata},
		// RFC 4034 §4.1.2: blocks of 1 to 32 octets, in increasing window order.
		{"NSEC empty block", wire(0, 1, a, rec(TypeNSEC, 1, 'a', 0, 0, 0)), ErrRdata},
		{"NSEC empty block then a good one", wire(0, 1, a, rec(TypeNSEC, 1, 'a', 0, 0, 0, 1, 1, 0x40)), ErrRdata},
		{"NSEC windows out of order", wire(0, 1, a, rec(TypeNSEC, 1, 'a', 0, 1, 1, 0x40, 0, 1, 0x40)), ErrRdata},
		{"NSEC window repeated", wire(0, 1, a, rec(TypeNSEC, 1, 'a', 0, 0, 1, 0x40, 0, 1, 0x40)), ErrRdata},
		{"NSEC block of 33 octets", wire(0, 1, a, rec(TypeNSEC, append([]byte{1, 'a', 0, 0, 33}, make([]byte, 33)...)...)), ErrRdata},
		{"NSEC block overrunning its RDATA", wire(0, 1, a, rec(TypeNSEC, 1, 'a', 0, 0, 4, 0x40)), ErrRdata},
		{"NSEC lone window octet", wire(0, 1, a, rec(TypeNSEC, 1, 'a', 0, 0)), ErrRdata},
		{"NSEC next name running out of its RDATA", wire(0, 1, a, rec(TypeNSEC, 1, 'a'), []byte{0, 0, 1, 0x40}), ErrShort},
	} {
		var m Msg
		err := m.Unpack(c.msg)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: Unpack error %v, want %v", c.name, err, c.want)
		}
		// A reader that skips bad records (package mdns) gets the error
		// from UnpackRR, saying which record; the one record is at 12.
		if c.want == ErrRdata {
			if _, _, err := UnpackRR(c.msg, 12); !errors.Is(err, ErrRdata) || !strings.Contains(err.Error(), " record for ") {
				t.Errorf("%s: UnpackRR error %v", c.name, err)
			}
		}
	}
}

func name255Labels() []string { return strings.Split(strings.TrimSuffix(name255, "."), ".") }

// RFC 6762 §18.14 has mDNS compress SRV targets and NSEC next names, which
// unicast DNS does not (RFC 2782, RFC 4034 §4.1.1): they are read either way.
func TestUnpackCompressedRdataNames(t *testing.T) {
	h := wname("h", "local") // at 12
	b := wire(1, 2, h, question,
		[]byte{0xc0, 12}, rec(TypeSRV, 0, 1, 0, 2, 0, 3, 0xc0, 12),
		[]byte{0xc0, 12}, rec(TypeNSEC, 1, 'x', 0xc0, 12, 0, 1, 0x40))
	var m Msg
	if err := m.Unpack(b); err != nil {
		t.Fatal(err)
	}
	srv, nsec := m.Answer[0].(*SRV), m.Answer[1].(*NSEC)
	if srv.Target != "h.local." || srv.Port != 3 || nsec.NextDomain != "x.h.local." || len(nsec.TypeBitMap) != 1 || nsec.TypeBitMap[0] != TypeA {
		t.Errorf("got %+v %+v", srv, nsec)
	}
}

// A message that ends cleanly between two entries, before its header's
// counts are met, is read as far as it goes.
func TestUnpackShortCounts(t *testing.T) {
	b := wire(3, 5, wname("a"), question)
	var m Msg
	if err := m.Unpack(b); err != nil || len(m.Question) != 1 || m.Answer != nil {
		t.Errorf("got %v, %s", err, dump(&m))
	}
	b = wire(1, 5, wname("a"), question, wname("a"), rec(TypeA, 1, 2, 3, 4))
	if err := m.Unpack(b); err != nil || len(m.Question) != 1 || len(m.Answer) != 1 {
		t.Errorf("got %v, %s", err, dump(&m))
	}
}

// UnpackName on its own: loops through pointers are refused wherever the
// name starts; only offset 3, a root label, is a name.
func TestUnpackNameLoops(t *testing.T) {
	b := []byte{0xc0, 2, 0xc0, 0, 1, 'a', 0xc0, 4}
	for off := range len(b) {
		if name, _, err := UnpackName(b, off); (err == nil) != (off == 3) {
			t.Errorf("at %d: read %q, %v", off, name, err)
		}
	}
}

// Every prefix and every one-octet change of real and sample messages
// decodes or fails with one of the errors, never panics; SkipRR agrees
// with UnpackRR on where each record ends.
func TestUnpackCorrupted(t *testing.T) {
	var inputs [][]byte
	for _, c := range captures(t) {
		inputs = append(inputs, c.data)
	}
	for _, s := range samples() {
		if s.name == "large" {
			continue // 27 kB: its prefixes add time and no new cases
		}
		b, err := s.msg.Pack()
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, b)
	}
	check := func(b []byte, everyOffset bool) {
		var m Msg
		if err := m.Unpack(b); err != nil && !errors.Is(err, ErrShort) && !errors.Is(err, ErrName) && !errors.Is(err, ErrRdata) {
			t.Fatalf("unclassified error %v for % x", err, b)
		}
		for off := 12; everyOffset && off < len(b); off++ {
			_, next, err := UnpackRR(b, off)
			if err != nil {
				continue
			}
			if skip, err := SkipRR(b, off); err != nil || skip != next {
				t.Fatalf("at %d: UnpackRR ends at %d, SkipRR at %d (%v), in % x", off, next, skip, err, b)
			}
		}
	}
	for _, in := range inputs {
		check(in, true)
		for n := range len(in) {
			check(in[:n], false)
		}
		c := bytes.Clone(in)
		for i := range c {
			for _, v := range []byte{0, 0x3f, 0x40, 0xc0, 0xff, in[i] ^ 1} {
				c[i] = v
				check(c, false)
			}
			c[i] = in[i]
		}
	}
}

func TestPackErrors(t *testing.T) {
	long := strings.Join(longLabels(3), ".") + "." + strings.Repeat("d", 62) + "." // 256 octets
	for _, c := range []struct {
		name string
		m    Msg
		want error
	}{
		{"label of 64 octets", Msg{Question: []Question{{Name: strings.Repeat("x", 64) + ".local."}}}, ErrName},
		{"label of 64 octets by escapes", Msg{Question: []Question{{Name: strings.Repeat(`\.`, 64) + ".local."}}}, ErrName},
		{"name of 256 octets", Msg{Question: []Question{{Name: long}}}, ErrName},
		{"name of 256 octets without its dot", Msg{Question: []Question{{Name: strings.TrimSuffix(long, ".")}}}, ErrName},
		// The same suffix written before does not make the name shorter.
		{"name of 257 octets ending in a pointer", Msg{Question: []Question{{Name: name255}, {Name: "x." + name255}}}, ErrName},
		{"empty label", Msg{Question: []Question{{Name: "a..local."}}}, ErrName},
		{"leading dot", Msg{Question: []Question{{Name: ".local."}}}, ErrName},
		{"trailing backslash", Msg{Question: []Question{{Name: `a\`}}}, ErrName},
		{"short \\DDD", Msg{Question: []Question{{Name: `a\25.local.`}}}, ErrName},
		{"\\DDD over 255", Msg{Question: []Question{{Name: `a\256.local.`}}}, ErrName},
		{"bad owner name", Msg{Answer: []RR{&TXT{Hdr: hdr("a..", TypeTXT, ClassINET, 1)}}}, ErrName},
		{"bad PTR target", Msg{Answer: []RR{&PTR{Hdr: hdr("a.", TypePTR, ClassINET, 1), Ptr: "..."}}}, ErrName},
		{"bad SRV target", Msg{Answer: []RR{&SRV{Hdr: hdr("a.", TypeSRV, ClassINET, 1), Target: long}}}, ErrName},
		{"bad NSEC next name", Msg{Answer: []RR{&NSEC{Hdr: hdr("a.", TypeNSEC, ClassINET, 1), NextDomain: `\`}}}, ErrName},
		{"TXT string of 256 octets", Msg{Answer: []RR{&TXT{Hdr: hdr("a.", TypeTXT, ClassINET, 1), Txt: []string{strings.Repeat("x", 256)}}}}, ErrTooLarge},
		{"A of an IPv6 address", Msg{Answer: []RR{&A{Hdr: hdr("a.", TypeA, ClassINET, 1), Addr: mustAddr("fe80::1")}}}, ErrRdata},
		{"A of no address", Msg{Answer: []RR{&A{Hdr: hdr("a.", TypeA, ClassINET, 1)}}}, ErrRdata},
		{"AAAA of an IPv4 address", Msg{Answer: []RR{&AAAA{Hdr: hdr("a.", TypeAAAA, ClassINET, 1), Addr: mustAddr("10.0.0.1")}}}, ErrRdata},
		{"RDATA of 65536 octets", Msg{Answer: []RR{&Unknown{Hdr: hdr("a.", 99, ClassINET, 1), Rdata: make([]byte, 65536)}}}, ErrTooLarge},
		{"65536 questions", Msg{Question: make([]Question, 65536)}, ErrTooLarge},
	} {
		if b, err := c.m.Pack(); !errors.Is(err, c.want) {
			t.Errorf("%s: Pack gave %d octets, error %v, want %v", c.name, len(b), err, c.want)
		}
		// Len still answers, for a message it cannot pack.
		if c.m.Len() < 12 {
			t.Errorf("%s: Len %d", c.name, c.m.Len())
		}
	}
}
