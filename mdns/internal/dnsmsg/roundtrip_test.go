package dnsmsg

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	for _, s := range samples() {
		b, err := s.msg.Pack()
		if err != nil {
			t.Errorf("%s: Pack: %v", s.name, err)
			continue
		}
		if n := s.msg.Len(); n != len(b) {
			t.Errorf("%s: Len %d, packed %d", s.name, n, len(b))
		}
		var got Msg
		if err := got.Unpack(b); err != nil {
			t.Errorf("%s: Unpack: %v", s.name, err)
			continue
		}
		if !equalMsg(&got, s.msg) {
			t.Errorf("%s: round trip\n got %s\nwant %s", s.name, dump(&got), dump(s.msg))
		}
		// PackBuffer gives the same bytes, in the caller's storage when
		// it is large enough.
		buf := make([]byte, 0, len(b))
		if b2, err := s.msg.PackBuffer(buf); err != nil || !bytes.Equal(b2, b) || (len(b) > 0 && &b2[0] != &buf[:1][0]) {
			t.Errorf("%s: PackBuffer differs from Pack (err %v)", s.name, err)
		}
	}
}

// Each header bit lands where RFC 1035 §4.1.1 puts it, alone.
func TestHeaderFlags(t *testing.T) {
	for _, c := range []struct {
		name string
		m    Msg
		want uint16
	}{
		{"QR", Msg{Response: true}, 1 << 15},
		{"Opcode", Msg{Opcode: 0xf}, 0xf << 11},
		{"AA", Msg{Authoritative: true}, 1 << 10},
		{"TC", Msg{Truncated: true}, 1 << 9},
		{"RD", Msg{RecursionDesired: true}, 1 << 8},
		{"RA", Msg{RecursionAvailable: true}, 1 << 7},
		{"Rcode", Msg{Rcode: 0xf}, 0xf},
	} {
		b, err := c.m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		if got := binary.BigEndian.Uint16(b[2:]); got != c.want {
			t.Errorf("%s: flags %#04x, want %#04x", c.name, got, c.want)
		}
		var got Msg
		if err := got.Unpack(b); err != nil || !equalMsg(&got, &c.m) {
			t.Errorf("%s: round trip %+v, %v", c.name, got, err)
		}
	}
	// The Z, AD and CD bits (RFC 2535 §6.1) are not kept: mDNS ignores
	// them (RFC 6762 §18.8-18.10).
	var m Msg
	if err := m.Unpack([]byte{0, 0, 0, 0x70, 0, 0, 0, 0, 0, 0, 0, 0}); err != nil || !equalMsg(&m, &Msg{}) {
		t.Errorf("Z/AD/CD: %+v, %v", m, err)
	}
}

// The class field's top bit is kept as sent, on questions (QU) and on
// records (cache flush).
func TestClassTopBit(t *testing.T) {
	m := Msg{
		Question: []Question{{Name: "a.local.", Qtype: TypeA, Qclass: ClassINET | qu}},
		Answer:   []RR{&A{Hdr: hdr("a.local.", TypeA, ClassINET|flush, 120), Addr: mustAddr("10.1.2.3")}},
	}
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	// Question: name (9) then type and class; the record's name is a
	// pointer to it (2) then type and class.
	if q := b[12+9+2:]; q[0] != 0x80 || q[1] != 0x01 {
		t.Errorf("question class % x", q[:2])
	}
	if r := b[12+9+4+2+2:]; r[0] != 0x80 || r[1] != 0x01 {
		t.Errorf("record class % x", r[:2])
	}
}

// A name spelled with \DDD where a \X or a plain byte would do packs to the
// same octets, and comes back in the one canonical spelling.
func TestCanonicalSpelling(t *testing.T) {
	for in, want := range map[string]string{
		`a\032b.local.`:           `a\ b.local.`,
		`\077y\.Printer.local.`:   `My\.Printer.local.`,
		`\m\y.local.`:             `my.local.`,
		"Caf\xc3\xa9.local.":      `Caf\195\169.local.`,
		`no\$need.local.`:         `no$need.local.`,
		`need\039this.local.`:     `need\'this.local.`,
		"no-trailing-dot.local":   "no-trailing-dot.local.",
		`HOST.Local.`:             `HOST.Local.`, // case is kept (RFC 1035 §2.3.3)
		`tab\009and\127del.local`: `tab\009and\127del.local.`,
	} {
		m := Msg{Answer: []RR{&PTR{Hdr: hdr(in, TypePTR, ClassINET, 1), Ptr: in}}}
		b, err := m.Pack()
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		var got Msg
		if err := got.Unpack(b); err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		rr := got.Answer[0].(*PTR)
		if rr.Hdr.Name != want || rr.Ptr != want {
			t.Errorf("%s: came back as %s / %s, want %s", in, rr.Hdr.Name, rr.Ptr, want)
		}
	}
}

// Len of a record is its uncompressed wire length and Rdata its RDATA,
// what packing it alone in a message without compression gives.
func TestLenAndRdata(t *testing.T) {
	for _, s := range samples() {
		for _, sec := range [][]RR{s.msg.Answer, s.msg.Ns, s.msg.Extra} {
			for _, rr := range sec {
				b, err := appendRR(nil, rr, nil)
				if err != nil {
					t.Errorf("%s: %T: %v", s.name, rr, err)
					continue
				}
				if Len(rr) != len(b) {
					t.Errorf("%s: %T %s: Len %d, packed %d", s.name, rr, rr.Header().Name, Len(rr), len(b))
				}
				if rd := b[NameLen(rr.Header().Name)+10:]; !bytes.Equal(Rdata(rr), rd) {
					t.Errorf("%s: %T: Rdata % x, packed % x", s.name, rr, Rdata(rr), rd)
				}
			}
		}
	}
	if rd := Rdata(&A{Addr: mustAddr("::1")}); rd != nil {
		t.Errorf("Rdata of an unencodable record: % x", rd)
	}
}

// Compression (RFC 1035 §4.1.4) points owner names and PTR and CNAME
// targets at earlier names. SRV targets and NSEC next names are written in
// full, though RFC 6762 §18.14 would let mDNS compress them: RFC 2782 and
// RFC 4034 §4.1.1 forbid it in unicast DNS, and miekg/dns, whose packed
// lengths package mdns predicts, does not. Later names may still point
// into them, as with miekg/dns.
func TestCompressionRules(t *testing.T) {
	pointers := func(rr RR, prior ...RR) int {
		m := Msg{Answer: append(prior, rr)}
		b, err := m.Pack()
		if err != nil {
			t.Fatal(err)
		}
		alone, _ := appendRR(nil, rr, nil)
		rest, _ := (&Msg{Answer: prior}).Pack()
		return len(alone) - (len(b) - len(rest))
	}
	prior := &A{Hdr: hdr("host.local.", TypeA, ClassINET, 1), Addr: mustAddr("10.0.0.1")}
	for _, c := range []struct {
		rr    RR
		saved int
	}{
		// The owner name "host.local." (12 octets) becomes a 2-octet pointer.
		{&PTR{Hdr: hdr("host.local.", TypePTR, ClassINET, 1), Ptr: "host.local."}, 20},
		{&CNAME{Hdr: hdr("host.local.", TypeCNAME, ClassINET, 1), Target: "x.host.local."}, 20},
		{&SRV{Hdr: hdr("host.local.", TypeSRV, ClassINET, 1), Target: "host.local."}, 10},
		{&NSEC{Hdr: hdr("host.local.", TypeNSEC, ClassINET, 1), NextDomain: "host.local."}, 10},
	} {
		if got := pointers(c.rr, prior); got != c.saved {
			t.Errorf("%T: compression saved %d octets, want %d", c.rr, got, c.saved)
		}
	}
	// An SRV target is noted for the names after it.
	srv := &SRV{Hdr: hdr("s.local.", TypeSRV, ClassINET, 1), Target: "other.example."}
	a := &A{Hdr: hdr("other.example.", TypeA, ClassINET, 1), Addr: mustAddr("10.0.0.1")}
	if got := pointers(a, srv); got != 13 {
		t.Errorf("owner name after an SRV target: saved %d octets, want 13", got)
	}
	// Suffixes are matched as spelled: case and escapes are not folded.
	for _, name := range []string{"HOST.local.", `hos\116.local.`} {
		if got := pointers(&A{Hdr: hdr(name, TypeA, ClassINET, 1), Addr: mustAddr("10.0.0.2")}, prior); got != 5 {
			t.Errorf("%s after host.local.: saved %d octets, want 5 (local. only)", name, got)
		}
	}
}
