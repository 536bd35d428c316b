package dnsmsg

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func TestNextLabel(t *testing.T) {
	for name, want := range map[string][]string{
		printer:         {printer, "_ipp._tcp.local.", "_tcp.local.", "local."},
		`a\\.b.`:        {`a\\.b.`, "b."},       // an escaped backslash, then a real dot
		`a\046b.c.`:     {`a\046b.c.`, "c."},    // \046 is a dot inside the label
		"a.b":           {"a.b", "b"},           // no trailing dot
		".":             {"."},                  // the root has one (empty) label
		"Caf\xc3\xa9.x": {"Caf\xc3\xa9.x", "x"}, // UTF-8 passes through
		`bad\`:          {`bad\`},               // an unreadable name ends the walk
		"local.":        {"local."},
	} {
		var got []string
		for i := 0; ; {
			got = append(got, name[i:])
			next, end := NextLabel(name, i)
			if end {
				if next != len(name) {
					t.Errorf("%q: last label gives %d, not len", name, next)
				}
				break
			}
			if next <= i {
				t.Fatalf("%q: NextLabel(%d) = %d", name, i, next)
			}
			i = next
		}
		if !slices.Equal(got, want) {
			t.Errorf("%q: suffixes %q, want %q", name, got, want)
		}
	}
}

// NameLen is the octets miekg/dns packs a name into.
func TestNameLen(t *testing.T) {
	buf := make([]byte, 512)
	for _, name := range []string{".", "local.", printer, cafe, specials, controls, name255,
		`a\032b.`, `\\.`, `\..`, "Caf\xc3\xa9.local.", strings.Repeat("x", 63) + ".local."} {
		n, err := dns.PackDomainName(name, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("%q: miekg: %v", name, err)
		}
		if got := NameLen(name); got != n {
			t.Errorf("NameLen(%q) = %d, miekg packs %d", name, got, n)
		}
	}
	for name, want := range map[string]int{
		"":            1,
		"local":       7, // relative names are counted as if fully qualified
		`a\.b`:        5,
		`a\`:          3, // unencodable: its length plus one
		"a..b.":       6,
		`x\999.local`: 12,
	} {
		if got := NameLen(name); got != want {
			t.Errorf("NameLen(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestReverseAddr(t *testing.T) {
	for _, s := range []string{"192.0.2.1", "0.0.0.0", "255.255.255.255", "::ffff:192.0.2.1",
		"fe80::1", "2001:db8::567:89ab", "::", "::1", "ff02::fb", "fe80::1%eth0"} {
		a := netip.MustParseAddr(s)
		// miekg/dns takes no zone; an IPv4-mapped address is IPv4 to both.
		want, err := dns.ReverseAddr(a.WithZone("").String())
		if err != nil {
			t.Fatal(err)
		}
		if got := ReverseAddr(a); got != want {
			t.Errorf("ReverseAddr(%s) = %q, miekg %q", s, got, want)
		}
	}
	if got := ReverseAddr(netip.Addr{}); got != "" {
		t.Errorf("zero Addr: %q", got)
	}
}

// A copy shares no storage with its original.
func TestCopyIsDeep(t *testing.T) {
	for _, s := range samples() {
		for _, sec := range [][]RR{s.msg.Answer, s.msg.Ns, s.msg.Extra} {
			for _, rr := range sec {
				c := Copy(rr)
				if !reflect.DeepEqual(c, rr) || c == rr {
					t.Fatalf("%T: copy %+v of %+v", rr, c, rr)
				}
				before := Copy(rr)
				c.Header().Name = "changed."
				switch c := c.(type) {
				case *TXT:
					if len(c.Txt) > 0 {
						c.Txt[0] = "changed"
					}
				case *NSEC:
					if len(c.TypeBitMap) > 0 {
						c.TypeBitMap[0] = 999
					}
				case *Unknown:
					if len(c.Rdata) > 0 {
						c.Rdata[0] ^= 0xff
					}
				}
				if !reflect.DeepEqual(rr, before) {
					t.Errorf("%T: changing the copy changed the original: %+v", rr, rr)
				}
			}
		}
	}
}

func TestEDNS0Size(t *testing.T) {
	for _, s := range samples() {
		n, ok := s.msg.EDNS0Size()
		if want := s.name == "response"; ok != want || (ok && n != 1440) {
			t.Errorf("%s: EDNS0Size %d, %v", s.name, n, ok)
		}
	}
}
