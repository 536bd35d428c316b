package mdns

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// Instance names are any UTF-8 up to 63 bytes (RFC 6763 §4.1.1); they must
// survive escaping, miekg's packer and unpacker, and our unescaping exactly.
func TestInstanceNameRoundTripThroughWire(t *testing.T) {
	names := []string{
		"plain",
		"My Printer",
		"dots.in.the.name",
		`back\slash`,
		`quote"paren(s);at@dollar$`,
		"Café My.Svc",
		"tab\there",
		"日本語のプリンター",
		strings.Repeat("x", 63),
		strings.Repeat("é", 31) + "x", // 63 bytes of 2-byte runes plus one
	}
	for _, raw := range names {
		name := fqdn("_http._tcp.local.", raw)
		buf := make([]byte, 512)
		off, err := dns.PackDomainName(name, buf, 0, nil, false)
		if err != nil {
			t.Fatalf("%q: pack %q: %v", raw, name, err)
		}
		back, _, err := dns.UnpackDomainName(buf[:off], 0)
		if err != nil {
			t.Fatalf("%q: unpack: %v", raw, err)
		}
		labels, err := splitName(back)
		if err != nil {
			t.Fatalf("%q: splitName(%q): %v", raw, back, err)
		}
		if len(labels) != 4 || labels[0] != raw {
			t.Errorf("round trip of %q: miekg gave %q, we read %q", raw, back, labels)
		}
		if got, ok := trimSuffixName(back, "_HTTP._tcp.LOCAL."); !ok || len(got) != 1 || got[0] != raw {
			t.Errorf("trimSuffixName(%q) = %q, %v", back, got, ok)
		}
	}
}

func TestSplitNameRejectsMalformed(t *testing.T) {
	for _, bad := range []string{`a\`, `a\25`, `a\256.b.`, "..", strings.Repeat("x", 64) + ".", strings.Repeat("abcdefghi.", 26)} {
		if _, err := splitName(bad); err == nil {
			t.Errorf("splitName(%q) succeeded", bad)
		}
	}
}

func TestCanonicalIsCaseInsensitiveForASCIIOnly(t *testing.T) {
	if canonical(`My\ Printer._HTTP._tcp.Local.`) != canonical(`my\032printer._http._tcp.local.`) {
		t.Error("escaped and unescaped forms of one name differ")
	}
	if canonical("CAFÉ.local.") == canonical("café.local.") {
		t.Error("non-ASCII letters must not be case-folded (RFC 6762 §16)")
	}
	if !equalNames("H1.local", "h1.local.") {
		t.Error("trailing dot and case must not matter")
	}
}

func TestValidateInstance(t *testing.T) {
	for _, ok := range []string{"a", "My Printer (2)", strings.Repeat("y", 63)} {
		if err := ValidateInstance(ok); err != nil {
			t.Errorf("ValidateInstance(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", strings.Repeat("y", 64), "bell\a", "\xff\xfe"} {
		if err := ValidateInstance(bad); err == nil {
			t.Errorf("ValidateInstance(%q) accepted", bad)
		}
	}
}

func TestTruncateUTF8KeepsRunesWhole(t *testing.T) {
	s := strings.Repeat("é", 40) // 80 bytes
	got := truncateUTF8(s, 63)
	if len(got) != 62 || !strings.HasPrefix(s, got) {
		t.Errorf("truncateUTF8 = %d bytes", len(got))
	}
}

func TestSanitizeHostLabel(t *testing.T) {
	for in, want := range map[string]string{
		"h1":                "h1",
		"build_box.example": "build-box",
		"":                  "mdnskit",
	} {
		if got := sanitizeHostLabel(in); got != want {
			t.Errorf("sanitizeHostLabel(%q) = %q, want %q", in, got, want)
		}
	}
}
