package mdns

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// Names inside this package are presentation-format strings (RFC 1035 §5.1,
// as package dnsmsg reads and writes them) with a trailing dot, e.g. `My\ Printer._ipp._tcp.local.`. Public APIs take and
// return raw labels (an instance name is any UTF-8 up to 63 bytes, RFC 6763
// §4.3); the functions here are the only place the two meet, so escaping is
// exact in both directions.

// MaxLabel is the longest DNS label in bytes (RFC 1035 §2.3.4).
const MaxLabel = 63

// maxName is the longest presentation name we build or accept, in wire bytes
// (RFC 1035 §2.3.4: 255 octets).
const maxName = 255

var errBadName = errors.New("mdns: malformed name")

// escapeLabel returns raw as one presentation-format label. Bytes that
// are special in a name are backslash-escaped, control bytes become
// \DDD, and UTF-8 is passed through.
func escapeLabel(raw string) string {
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
			c == ';' || c == '@' || c == '$' || c == ' ':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// splitName splits a presentation-format name into raw (unescaped) labels.
// It accepts both `\X` and `\DDD` escapes, as dnsmsg produces them.
func splitName(name string) ([]string, error) {
	if name == "." || name == "" {
		return nil, nil
	}
	var labels []string
	var cur []byte
	wire := 1
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch c {
		case '\\':
			if i+1 >= len(name) {
				return nil, fmt.Errorf("%w: trailing backslash in %q", errBadName, name)
			}
			if isDigit(name[i+1]) {
				if i+3 >= len(name) || !isDigit(name[i+2]) || !isDigit(name[i+3]) {
					return nil, fmt.Errorf("%w: bad \\DDD escape in %q", errBadName, name)
				}
				v := int(name[i+1]-'0')*100 + int(name[i+2]-'0')*10 + int(name[i+3]-'0')
				if v > 255 {
					return nil, fmt.Errorf("%w: \\DDD escape out of range in %q", errBadName, name)
				}
				cur = append(cur, byte(v))
				i += 3
			} else {
				cur = append(cur, name[i+1])
				i++
			}
		case '.':
			if len(cur) == 0 {
				return nil, fmt.Errorf("%w: empty label in %q", errBadName, name)
			}
			if len(cur) > MaxLabel {
				return nil, fmt.Errorf("%w: label longer than %d bytes in %q", errBadName, MaxLabel, name)
			}
			labels = append(labels, string(cur))
			wire += 1 + len(cur)
			cur = cur[:0]
		default:
			cur = append(cur, c)
		}
	}
	if len(cur) > 0 { // name without trailing dot
		if len(cur) > MaxLabel {
			return nil, fmt.Errorf("%w: label longer than %d bytes in %q", errBadName, MaxLabel, name)
		}
		labels = append(labels, string(cur))
		wire += 1 + len(cur)
	}
	if wire > maxName {
		return nil, fmt.Errorf("%w: longer than %d bytes: %q", errBadName, maxName, name)
	}
	return labels, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// joinName builds a fully qualified presentation-format name from raw labels.
func joinName(labels ...string) string {
	var b strings.Builder
	for _, l := range labels {
		b.WriteString(escapeLabel(l))
		b.WriteByte('.')
	}
	if b.Len() == 0 {
		return "."
	}
	return b.String()
}

// fqdn joins raw labels in front of an already escaped presentation suffix
// such as "_http._tcp.local.".
func fqdn(suffix string, labels ...string) string {
	return joinName(labels...) + strings.TrimPrefix(suffix, ".")
}

// canonical returns the form of a presentation name used as a map key and
// for comparisons: DNS names compare case-insensitively for ASCII only
// (RFC 6762 §16, RFC 1035 §2.3.3), escapes normalised.
func canonical(name string) string {
	if !strings.ContainsRune(name, '\\') {
		return toLowerASCII(ensureDot(name))
	}
	labels, err := splitName(name)
	if err != nil {
		return toLowerASCII(ensureDot(name))
	}
	for i, l := range labels {
		labels[i] = toLowerASCII(l)
	}
	return joinName(labels...)
}

func ensureDot(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}

func toLowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// equalNames reports whether two presentation names are the same DNS name.
func equalNames(a, b string) bool { return canonical(a) == canonical(b) }

// hasSuffixName reports whether name ends with the labels of suffix and
// returns the raw labels in front of it.
func trimSuffixName(name, suffix string) ([]string, bool) {
	nl, err := splitName(name)
	if err != nil {
		return nil, false
	}
	sl, err := splitName(suffix)
	if err != nil || len(sl) > len(nl) {
		return nil, false
	}
	off := len(nl) - len(sl)
	for i, l := range sl {
		if toLowerASCII(nl[off+i]) != toLowerASCII(l) {
			return nil, false
		}
	}
	return nl[:off], true
}

// ValidateInstance checks an instance name (RFC 6763 §4.1.1): 1–63 bytes of
// UTF-8 without control characters. Dots, spaces and backslashes are fine.
func ValidateInstance(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty instance name", ErrInvalidName)
	case len(name) > MaxLabel:
		return fmt.Errorf("%w: instance name %q is %d bytes, the limit is %d", ErrInvalidName, name, len(name), MaxLabel)
	case !utf8.ValidString(name):
		return fmt.Errorf("%w: instance name %q is not valid UTF-8", ErrInvalidName, name)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: instance name %q contains control character %U", ErrInvalidName, name, r)
		}
	}
	return nil
}

// ValidateHostLabel checks a host name label (RFC 6762 §16: UTF-8; we keep to
// the letters, digits and hyphens every peer can resolve).
func ValidateHostLabel(name string) error {
	if name == "" || len(name) > MaxLabel {
		return fmt.Errorf("%w: host name %q must be 1–%d bytes", ErrInvalidName, name, MaxLabel)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c == '-' || isDigit(c) || (c|0x20) >= 'a' && (c|0x20) <= 'z') {
			return fmt.Errorf("%w: host name %q: only letters, digits and '-' are allowed", ErrInvalidName, name)
		}
	}
	return nil
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
