package dnsmsg

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"net"
	"net/netip"
	"testing"

	"github.com/miekg/dns"
)

// miekg/dns is the reference: package mdns used it before this codec, and
// predicts packed lengths with its rules. Known, intended differences:
//
//   - TXT strings are raw bytes here; miekg/dns escapes `"`, `\` and
//     non-printable bytes (compared after unescaping).
//   - Types other than A, AAAA, PTR, CNAME, SRV, TXT and NSEC are opaque
//     RDATA here (RFC 3597 §3); miekg/dns parses (and may reject) many.
//   - Compression pointers must point backwards here; miekg/dns follows
//     any pointer, for at most 126 jumps.
//   - miekg/dns accepts RDATA cut short between two of its fields, empty
//     RDATA (RFC 2136 §2.5 deletions) included; here A, AAAA, PTR, CNAME,
//     SRV and NSEC need theirs whole.
//   - miekg/dns accepts a question cut after its name or type, and
//     rejects a message with fewer questions than its header counts; here
//     a question is whole or an error, and any section may end early
//     between two entries.
//   - Pack rejects names over 255 octets (RFC 1035 §2.3.4) and non-IPv4
//     A addresses; miekg/dns packs them.

// toMiekg is m as miekg/dns would build it.
func toMiekg(m *Msg) *dns.Msg {
	d := &dns.Msg{Compress: true}
	d.Id, d.Response, d.Opcode, d.Authoritative = m.ID, m.Response, int(m.Opcode), m.Authoritative
	d.Truncated, d.RecursionDesired, d.RecursionAvailable, d.Rcode = m.Truncated, m.RecursionDesired, m.RecursionAvailable, int(m.Rcode)
	for _, q := range m.Question {
		d.Question = append(d.Question, dns.Question{Name: q.Name, Qtype: q.Qtype, Qclass: q.Qclass})
	}
	conv := func(rrs []RR) (out []dns.RR) {
		for _, rr := range rrs {
			out = append(out, rrToMiekg(rr))
		}
		return out
	}
	d.Answer, d.Ns, d.Extra = conv(m.Answer), conv(m.Ns), conv(m.Extra)
	return d
}

func rrToMiekg(rr RR) dns.RR {
	h := rr.Header()
	mh := dns.RR_Header{Name: h.Name, Rrtype: h.Type, Class: h.Class, Ttl: h.TTL}
	switch rr := rr.(type) {
	case *A:
		return &dns.A{Hdr: mh, A: net.IP(rr.Addr.AsSlice())}
	case *AAAA:
		return &dns.AAAA{Hdr: mh, AAAA: net.IP(rr.Addr.AsSlice())}
	case *PTR:
		return &dns.PTR{Hdr: mh, Ptr: rr.Ptr}
	case *CNAME:
		return &dns.CNAME{Hdr: mh, Target: rr.Target}
	case *SRV:
		return &dns.SRV{Hdr: mh, Priority: rr.Priority, Weight: rr.Weight, Port: rr.Port, Target: rr.Target}
	case *TXT:
		var txt []string
		for _, s := range rr.Txt {
			txt = append(txt, escapeTXT(s))
		}
		return &dns.TXT{Hdr: mh, Txt: txt}
	case *NSEC:
		return &dns.NSEC{Hdr: mh, NextDomain: rr.NextDomain, TypeBitMap: append([]uint16(nil), rr.TypeBitMap...)}
	case *Unknown:
		// miekg/dns's own type where it has one (it requires *dns.OPT
		// for an OPT record).
		if b, err := appendRR(nil, rr, nil); err == nil {
			if native, _, err := dns.UnpackRR(b, 0); err == nil {
				return native
			}
		}
		return &dns.RFC3597{Hdr: mh, Rdata: hex.EncodeToString(rr.Rdata)}
	}
	panic("unknown RR")
}

// fromMiekg is d as Unpack would give it.
func fromMiekg(t testing.TB, d *dns.Msg) *Msg {
	t.Helper()
	m := &Msg{ID: d.Id, Response: d.Response, Opcode: uint8(d.Opcode), Authoritative: d.Authoritative,
		Truncated: d.Truncated, RecursionDesired: d.RecursionDesired, RecursionAvailable: d.RecursionAvailable, Rcode: uint8(d.Rcode)}
	for _, q := range d.Question {
		m.Question = append(m.Question, Question{Name: q.Name, Qtype: q.Qtype, Qclass: q.Qclass})
	}
	conv := func(rrs []dns.RR) (out []RR) {
		for _, rr := range rrs {
			out = append(out, rrFromMiekg(t, rr))
		}
		return out
	}
	m.Answer, m.Ns, m.Extra = conv(d.Answer), conv(d.Ns), conv(d.Extra)
	return m
}

func rrFromMiekg(t testing.TB, rr dns.RR) RR {
	mh := rr.Header()
	h := Header{Name: mh.Name, Type: mh.Rrtype, Class: mh.Class, TTL: mh.Ttl}
	switch rr := rr.(type) {
	case *dns.A:
		return &A{Hdr: h, Addr: netip.AddrFrom4([4]byte(rr.A.To4()))}
	case *dns.AAAA:
		return &AAAA{Hdr: h, Addr: netip.AddrFrom16([16]byte(rr.AAAA.To16()))}
	case *dns.PTR:
		return &PTR{Hdr: h, Ptr: rr.Ptr}
	case *dns.CNAME:
		return &CNAME{Hdr: h, Target: rr.Target}
	case *dns.SRV:
		return &SRV{Hdr: h, Priority: rr.Priority, Weight: rr.Weight, Port: rr.Port, Target: rr.Target}
	case *dns.TXT:
		var txt []string
		for _, s := range rr.Txt {
			txt = append(txt, unescapeTXT(s))
		}
		return &TXT{Hdr: h, Txt: txt}
	case *dns.NSEC:
		var types []uint16
		return &NSEC{Hdr: h, NextDomain: rr.NextDomain, TypeBitMap: append(types, rr.TypeBitMap...)}
	}
	var u dns.RFC3597
	if err := u.ToRFC3597(rr); err != nil {
		t.Fatalf("%v: %v", rr, err)
	}
	rd, err := hex.DecodeString(u.Rdata)
	if err != nil {
		t.Fatal(err)
	}
	var rdata []byte
	return &Unknown{Hdr: h, Rdata: append(rdata, rd...)}
}

// escapeTXT spells raw as a miekg/dns TXT string.
func escapeTXT(raw string) string {
	var b []byte
	for _, c := range []byte(raw) {
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20 || c > 0x7e:
			b = append(b, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		default:
			b = append(b, c)
		}
	}
	return string(b)
}

// unescapeTXT undoes miekg/dns's TXT escaping.
func unescapeTXT(s string) string {
	var b []byte
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b = append(b, s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			b = append(b, (s[i+1]-'0')*100+(s[i+2]-'0')*10+s[i+3]-'0')
			i += 3
			continue
		}
		b = append(b, s[i+1])
		i++
	}
	return string(b)
}

// What dnsmsg packs, miekg/dns reads as the same message, names spelled
// the same.
func TestMiekgUnpacksOurs(t *testing.T) {
	for _, s := range samples() {
		b, err := s.msg.Pack()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		var d dns.Msg
		if err := d.Unpack(b); err != nil {
			t.Errorf("%s: miekg Unpack: %v", s.name, err)
			continue
		}
		if got := fromMiekg(t, &d); !equalMsg(got, s.msg) {
			t.Errorf("%s: miekg read\n%s\nwant\n%s", s.name, dump(got), dump(s.msg))
		}
	}
}

// What miekg/dns packs (compressed), dnsmsg reads as the same message.
func TestWeUnpackMiekgs(t *testing.T) {
	for _, s := range samples() {
		b, err := toMiekg(s.msg).Pack()
		if err != nil {
			t.Fatalf("%s: miekg Pack: %v", s.name, err)
		}
		var got Msg
		if err := got.Unpack(b); err != nil {
			t.Errorf("%s: Unpack: %v", s.name, err)
			continue
		}
		if !equalMsg(&got, s.msg) {
			t.Errorf("%s: read\n%s\nwant\n%s", s.name, dump(&got), dump(s.msg))
		}
	}
	// Records miekg/dns builds natively decode as opaque RDATA.
	d := new(dns.Msg)
	d.Extra = []dns.RR{&dns.HINFO{Hdr: dns.RR_Header{Name: "h.local.", Rrtype: dns.TypeHINFO, Class: dns.ClassINET, Ttl: 120}, Cpu: "x86", Os: "linux"}}
	d.SetEdns0(1440, true)
	b, err := d.Pack()
	if err != nil {
		t.Fatal(err)
	}
	var got Msg
	if err := got.Unpack(b); err != nil {
		t.Fatal(err)
	}
	want := &Msg{ID: d.Id, Extra: []RR{
		&Unknown{Hdr: hdr("h.local.", TypeHINFO, ClassINET, 120), Rdata: []byte("\x03x86\x05linux")},
		&Unknown{Hdr: hdr(".", TypeOPT, 1440, 0x8000)},
	}}
	if !equalMsg(&got, want) {
		t.Errorf("native miekg records: got\n%s\nwant\n%s", dump(&got), dump(want))
	}
	if n, ok := got.EDNS0Size(); n != 1440 || !ok {
		t.Errorf("EDNS0Size %d %v", n, ok)
	}
}

// Packed lengths equal miekg/dns's with Compress set, and its Len, which
// package mdns relies on to fill messages to a size; in fact the octets
// are the same.
func TestPackMatchesMiekg(t *testing.T) {
	msgs := samples()
	// Spellings of one name are not compressed against each other, by
	// either (suffixes are compared as written).
	msgs = append(msgs, sample{"spellings", &Msg{Answer: []RR{
		&PTR{Hdr: hdr("_x._tcp.local.", TypePTR, ClassINET, 1), Ptr: `a\032b._x._tcp.local.`},
		&PTR{Hdr: hdr("_x._tcp.local.", TypePTR, ClassINET, 1), Ptr: `a\ b._x._tcp.local.`},
		&PTR{Hdr: hdr("_X._TCP.local.", TypePTR, ClassINET, 1), Ptr: `A\ B._x._tcp.local.`},
		&SRV{Hdr: hdr(`a\ b._x._tcp.local.`, TypeSRV, ClassINET, 1), Target: `h\.x.local.`},
		&A{Hdr: hdr(`h\.x.local.`, TypeA, ClassINET, 1), Addr: mustAddr("10.0.0.1")},
		&NSEC{Hdr: hdr(`h\.x.local.`, TypeNSEC, ClassINET, 1), NextDomain: `sub.h\.x.local.`, TypeBitMap: []uint16{TypeA}},
		&PTR{Hdr: hdr(`x.sub.h\.x.local.`, TypePTR, ClassINET, 1), Ptr: "Caf\xc3\xa9.local."},
		&PTR{Hdr: hdr(`x.sub.h\.x.local.`, TypePTR, ClassINET, 1), Ptr: `Caf\195\169.local.`},
		&PTR{Hdr: hdr(`x.sub.h\.x.local.`, TypePTR, ClassINET, 1), Ptr: "Caf\xc3\xa9.local."},
	}}})
	for _, s := range msgs {
		ours, err := s.msg.Pack()
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		d := toMiekg(s.msg)
		theirs, err := d.Pack()
		if err != nil {
			t.Fatalf("%s: miekg Pack: %v", s.name, err)
		}
		if len(ours) != len(theirs) {
			t.Errorf("%s: packed %d octets, miekg %d", s.name, len(ours), len(theirs))
		}
		if want := len(ours) + miekgLenOver(s.msg); d.Len() != want {
			t.Errorf("%s: miekg Len %d, want %d (packed %d)", s.name, d.Len(), want, len(ours))
		}
		if i := firstDiff(ours, theirs); i >= 0 {
			t.Errorf("%s: octets differ from miekg's at %d: % x vs % x", s.name, i, ours[i:min(i+8, len(ours))], theirs[i:min(i+8, len(theirs))])
		}
	}
}

// miekgLenOver is how much miekg/dns's Msg.Len overstates m's packed
// length: it counts TXT strings as escaped (`\000` is four octets) and an
// NSEC with no types as having an empty bit map block (2 octets). It is
// never under.
func miekgLenOver(m *Msg) int {
	n := 0
	for _, sec := range [][]RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			switch rr := rr.(type) {
			case *TXT:
				for _, s := range rr.Txt {
					n += len(escapeTXT(s)) - len(s)
				}
			case *NSEC:
				if len(rr.TypeBitMap) == 0 {
					n += 2
				}
			}
		}
	}
	return n
}

func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) != len(b) {
		return min(len(a), len(b))
	}
	return -1
}

// Real messages read the same with both, and pack back the same; the
// records miekg/dns rejects (python-zeroconf's NSECs, whose bit map starts
// with an empty block, RFC 4034 §4.1.2) are rejected here too.
func TestCapturesMatchMiekg(t *testing.T) {
	for _, c := range captures(t) {
		var ours Msg
		errOurs := ours.Unpack(c.data)
		var d dns.Msg
		errTheirs := d.Unpack(c.data)
		if (errOurs == nil) != (errTheirs == nil) {
			t.Errorf("%s: Unpack %v, miekg %v", c.name, errOurs, errTheirs)
			continue
		}
		if errOurs == nil {
			if want := fromMiekg(t, &d); !equalMsg(&ours, want) {
				t.Errorf("%s: read\n%s\nmiekg\n%s", c.name, dump(&ours), dump(want))
			}
			a, err := ours.Pack()
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			d.Compress = true
			b, err := d.Pack()
			if err != nil {
				t.Fatalf("%s: miekg Pack: %v", c.name, err)
			}
			if !bytes.Equal(a, b) {
				t.Errorf("%s: repacked differs from miekg's at %d", c.name, firstDiff(a, b))
			}
			continue
		}
		// Record by record, both decoders agree on each.
		off := 12
		for range binary.BigEndian.Uint16(c.data[4:]) {
			_, next, err := UnpackQuestion(c.data, off)
			if err != nil {
				t.Fatalf("%s: question: %v", c.name, err)
			}
			off = next
		}
		skipped := 0
		for off < len(c.data) {
			rr, next, err := UnpackRR(c.data, off)
			theirs, tnext, terr := dns.UnpackRR(c.data, off)
			if (err == nil) != (terr == nil) {
				t.Errorf("%s at %d: UnpackRR %v, miekg %v", c.name, off, err, terr)
			}
			if err != nil {
				if next, err = SkipRR(c.data, off); err != nil {
					t.Fatalf("%s: SkipRR: %v", c.name, err)
				}
				if next != tnext {
					t.Errorf("%s at %d: skipped to %d, miekg %d", c.name, off, next, tnext)
				}
				skipped++
				off = next
				continue
			}
			if want := rrFromMiekg(t, theirs); !equalMsg(&Msg{Answer: []RR{rr}}, &Msg{Answer: []RR{want}}) {
				t.Errorf("%s at %d: %+v, miekg %+v", c.name, off, rr, want)
			}
			off = next
		}
		if skipped == 0 {
			t.Errorf("%s: no record rejected, but the message was", c.name)
		}
	}
}
