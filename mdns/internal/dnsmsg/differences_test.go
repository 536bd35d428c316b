package dnsmsg

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Where dnsmsg and miekg/dns disagree on damaged real messages, the
// difference is one of those listed in miekg_test.go; where both read a
// message, they read the same thing.
func TestMiekgDifferencesAreDocumented(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	interesting := []byte{0, 1, 0x3f, 0x40, 0x80, 0xc0, 0xc1, 0xff}
	seen := map[string]int{}
	for _, c := range captures(t) {
		for range 300 {
			b := bytes.Clone(c.data)
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(b))
				if rng.IntN(2) == 0 {
					b[i] = interesting[rng.IntN(len(interesting))]
				} else {
					b[i] = byte(rng.Uint32())
				}
			}
			if rng.IntN(4) == 0 {
				b = b[:rng.IntN(len(b))]
			}
			why := compareWithMiekg(t, b)
			seen[why]++
		}
	}
	t.Logf("outcomes: %v", seen)
}

// compareWithMiekg decodes b with both and returns which documented
// difference, if any, separates them; it fails t on any other.
func compareWithMiekg(t *testing.T, b []byte) string {
	var ours Msg
	errOurs := ours.Unpack(b)
	var d dns.Msg
	errTheirs := d.Unpack(b)
	switch {
	case errOurs != nil && errTheirs != nil:
		return "both fail"
	case errOurs == nil && errTheirs == nil:
		want := fromMiekg(t, &d)
		// Opaque RDATA is compared by header only: miekg/dns parsed
		// it, and what it packs back need not be the octets received
		// (it decompresses names, drops unknown EDNS0 option padding).
		got := ours
		for i, sec := range [][]RR{got.Answer, got.Ns, got.Extra} {
			for j, rr := range sec {
				if u, ok := rr.(*Unknown); ok {
					theirs := [][]RR{want.Answer, want.Ns, want.Extra}[i]
					if j < len(theirs) {
						if tu, ok := theirs[j].(*Unknown); ok {
							tu.Rdata = u.Rdata
						}
					}
				}
			}
		}
		if !equalMsg(&got, want) {
			t.Errorf("both read % x, differently:\n%s\nmiekg\n%s", b, dump(&got), dump(want))
		}
		return "both read"
	case errOurs != nil:
		if strings.Contains(errOurs.Error(), "does not point backwards") {
			return "miekg follows forward pointers"
		}
		for _, sec := range [][]dns.RR{d.Answer, d.Ns, d.Extra} {
			for _, rr := range sec {
				switch h := rr.Header(); h.Rrtype {
				case dns.TypeA, dns.TypeAAAA, dns.TypePTR, dns.TypeCNAME, dns.TypeSRV, dns.TypeNSEC:
					if srv, ok := rr.(*dns.SRV); h.Rdlength == 0 || ok && srv.Target == "" {
						return "miekg takes RDATA cut between fields"
					}
				}
			}
		}
		if errors.Is(errOurs, ErrShort) && questionCut(b) {
			return "miekg takes a question cut short"
		}
		t.Errorf("undocumented: miekg reads % x, we fail: %v\nmiekg read %v", b, errOurs, &d)
		return "undocumented"
	default:
		if strings.Contains(errTheirs.Error(), "too many compression pointers") {
			return "miekg limits pointer chains"
		}
		if len(b) >= 12 && len(ours.Question) < int(binary.BigEndian.Uint16(b[4:])) {
			return "miekg wants every question counted"
		}
		for _, sec := range [][]RR{ours.Answer, ours.Ns, ours.Extra} {
			for _, rr := range sec {
				if _, ok := rr.(*Unknown); ok {
					alone, err := appendRR(nil, rr, nil)
					if _, _, err2 := dns.UnpackRR(alone, 0); err == nil && err2 != nil {
						return "miekg parses more types"
					}
				}
			}
		}
		t.Errorf("undocumented: we read % x, miekg fails: %v\nwe read %s", b, errTheirs, dump(&ours))
		return "undocumented"
	}
}

// questionCut reports whether b ends inside a question's type or class,
// after a readable name.
func questionCut(b []byte) bool {
	off := 12
	for range binary.BigEndian.Uint16(b[4:]) {
		_, next, err := UnpackQuestion(b, off)
		if err == nil {
			off = next
			continue
		}
		_, end, err := UnpackName(b, off)
		return err == nil && end+4 > len(b)
	}
	return false
}
