package dnsmsg

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The top bit of a question's class asks for a unicast response
// (RFC 6762 §5.4); in a record's class it is the cache-flush bit
// (RFC 6762 §10.2).
const (
	qu    = 0x8000
	flush = 0x8000
)

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }

func hdr(name string, typ, class uint16, ttl uint32) Header {
	return Header{Name: name, Type: typ, Class: class, TTL: ttl}
}

// Names below are spelled as the decoder spells them (and miekg/dns
// does), so a decoded message compares equal to the one packed.
const (
	printer  = `My\.Printer._ipp._tcp.local.`
	cafe     = `Bob\'s\ Caf\195\169._http._tcp.local.` // "Bob's Café", UTF-8
	specials = `a\;b\@c\(d\)e\"f\\g$h.local.`
	controls = `ctl\000\031\127\255x.local.`
)

// name255 is a name of exactly 255 octets on the wire, the most
// RFC 1035 §2.3.4 allows.
var name255 = strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + "." +
	strings.Repeat("c", 63) + "." + strings.Repeat("d", 61) + "."

type sample struct {
	name string
	msg  *Msg
}

// samples are messages covering every record type and header field, in
// the canonical form Unpack returns (nil, not empty, slices).
func samples() []sample {
	addr := mustAddr
	big := make([]string, 100) // 25 600 octets of RDATA: later names sit past 0x3fff
	for i := range big {
		big[i] = strings.Repeat(string(rune('A'+i%26)), 255)
	}
	large := &Msg{Response: true, Authoritative: true, Answer: []RR{
		&PTR{Hdr: hdr("_ipp._tcp.local.", TypePTR, ClassINET, 4500), Ptr: printer},
		&TXT{Hdr: hdr(printer, TypeTXT, ClassINET|flush, 4500), Txt: big},
	}}
	for i := range 4 {
		svc := fmt.Sprintf("_s%d._tcp.local.", i)
		large.Answer = append(large.Answer,
			&PTR{Hdr: hdr(svc, TypePTR, ClassINET, 4500), Ptr: "inst." + svc},
			&SRV{Hdr: hdr("inst."+svc, TypeSRV, ClassINET|flush, 120), Port: uint16(i), Target: "host.local."})
	}
	large.Extra = []RR{&A{Hdr: hdr("host.local.", TypeA, ClassINET|flush, 120), Addr: addr("10.0.0.1")}}

	return []sample{
		{"empty", &Msg{}},
		{"query", &Msg{
			ID: 0x1234,
			Question: []Question{
				{Name: "_ipp._tcp.local.", Qtype: TypePTR, Qclass: ClassINET | qu},
				{Name: printer, Qtype: TypeANY, Qclass: ClassINET},
				{Name: "host.local.", Qtype: TypeAAAA, Qclass: ClassANY},
			},
			// Known answers (RFC 6762 §7.1).
			Answer: []RR{&PTR{Hdr: hdr("_ipp._tcp.local.", TypePTR, ClassINET, 2250), Ptr: printer}},
		}},
		{"probe", &Msg{ // RFC 6762 §8.2: proposed records in the authority section
			Question: []Question{{Name: cafe, Qtype: TypeANY, Qclass: ClassINET | qu}},
			Ns: []RR{
				&SRV{Hdr: hdr(cafe, TypeSRV, ClassINET, 120), Priority: 1, Weight: 2, Port: 8080, Target: "bobs-host.local."},
				&TXT{Hdr: hdr(cafe, TypeTXT, ClassINET, 4500), Txt: []string{""}},
			},
		}},
		{"response", &Msg{
			Response: true, Authoritative: true,
			Answer: []RR{
				&PTR{Hdr: hdr("_ipp._tcp.local.", TypePTR, ClassINET, 4500), Ptr: printer},
				&SRV{Hdr: hdr(printer, TypeSRV, ClassINET|flush, 120), Priority: 0, Weight: 0, Port: 631, Target: "host.local."},
				&TXT{Hdr: hdr(printer, TypeTXT, ClassINET|flush, 4500), Txt: []string{
					"txtvers=1", "", "bin=\x00\x01\x7f\x80\xfe\xff", `q="x"\y`, "utf8=héllo", strings.Repeat("z", 255),
				}},
				&CNAME{Hdr: hdr("alias.local.", TypeCNAME, ClassINET, 120), Target: "host.local."},
			},
			Extra: []RR{
				&A{Hdr: hdr("host.local.", TypeA, ClassINET|flush, 120), Addr: addr("192.168.1.10")},
				&AAAA{Hdr: hdr("host.local.", TypeAAAA, ClassINET|flush, 120), Addr: addr("fe80::1")},
				&AAAA{Hdr: hdr("host.local.", TypeAAAA, ClassINET|flush, 120), Addr: addr("::ffff:192.0.2.1")},
				// RFC 6762 §6.1: the types that exist, as a negative answer.
				&NSEC{Hdr: hdr("host.local.", TypeNSEC, ClassINET|flush, 120), NextDomain: "host.local.", TypeBitMap: []uint16{TypeA, TypeAAAA}},
				&NSEC{Hdr: hdr(printer, TypeNSEC, ClassINET|flush, 4500), NextDomain: printer,
					TypeBitMap: []uint16{TypeTXT, TypeSRV, TypeNSEC, 255, 256, 1234, 32769, 65535}},
				&NSEC{Hdr: hdr("none.local.", TypeNSEC, ClassINET, 10), NextDomain: "none.local."},
				&Unknown{Hdr: hdr("host.local.", TypeHINFO, ClassINET|flush, 120), Rdata: []byte("\x03x86\x05linux")},
				&Unknown{Hdr: hdr("host.local.", 65280, ClassINET, 1)},
				// EDNS0 (RFC 6891 §6.1.2): payload size in the class, an owner option.
				&Unknown{Hdr: hdr(".", TypeOPT, 1440, 0x8000), Rdata: []byte{0, 4, 0, 6, 1, 2, 3, 4, 5, 6}},
			},
		}},
		{"escapes", &Msg{
			Response: true,
			Answer: []RR{
				&PTR{Hdr: hdr("_http._tcp.local.", TypePTR, ClassINET, 4500), Ptr: cafe},
				&PTR{Hdr: hdr("_http._tcp.local.", TypePTR, ClassINET, 4500), Ptr: specials},
				&PTR{Hdr: hdr("_http._tcp.local.", TypePTR, ClassINET, 4500), Ptr: controls},
				&PTR{Hdr: hdr("b.local.", TypePTR, ClassINET, 4500), Ptr: "a." + specials},
				&CNAME{Hdr: hdr(strings.Repeat("x", 63)+".local.", TypeCNAME, ClassINET, 1), Target: name255},
				&CNAME{Hdr: hdr(name255, TypeCNAME, ClassINET, 1), Target: "."},
				&SRV{Hdr: hdr(cafe, TypeSRV, ClassINET, 120), Target: "."},
			},
		}},
		{"flags", &Msg{
			ID: 0xffff, Response: true, Opcode: 15, Authoritative: true, Truncated: true,
			RecursionDesired: true, RecursionAvailable: true, Rcode: 15,
			Question: []Question{{Name: ".", Qtype: 0xffff, Qclass: 0xffff}},
		}},
		{"large", large},
	}
}

// capture is one real mDNS message (testdata/captures/mdns/README.md).
type capture struct {
	name string
	data []byte
}

func captures(tb testing.TB) []capture {
	tb.Helper()
	files, err := filepath.Glob("../../../testdata/captures/mdns/*.bin")
	if err != nil || len(files) < 10 {
		tb.Fatalf("captures: %d files, %v", len(files), err)
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

// dump renders m for failure messages: %v of a Msg prints pointers.
func dump(m *Msg) string {
	var b strings.Builder
	fmt.Fprintf(&b, "id=%d qr=%v op=%d aa=%v tc=%v rd=%v ra=%v rcode=%d\n", m.ID, m.Response, m.Opcode,
		m.Authoritative, m.Truncated, m.RecursionDesired, m.RecursionAvailable, m.Rcode)
	for _, q := range m.Question {
		fmt.Fprintf(&b, "  Q %+v\n", q)
	}
	for i, sec := range [][]RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			fmt.Fprintf(&b, "  %c %T %+v\n", "ANE"[i], rr, rr)
		}
	}
	return b.String()
}

func equalMsg(a, b *Msg) bool { return reflect.DeepEqual(a, b) }
