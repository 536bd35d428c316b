package dnsmsg

import (
	"fmt"
	"strings"
)

const (
	maxLabel      = 63     // RFC 1035 §2.3.4
	maxName       = 255    // RFC 1035 §2.3.4, in wire octets
	maxPointerOff = 0x3fff // a compression pointer has 14 bits (RFC 1035 §4.1.4)
)

// compressor remembers where each name suffix was written (RFC 1035
// §4.1.4). Suffixes are keyed as written, escapes and case included: two
// spellings of one name are simply not compressed against each other.
type compressor map[string]int

// labelEnd scans the presentation-format label of name starting at i and
// returns the index after it (at its dot, or len(name)) and its length in
// octets once escapes are decoded.
func labelEnd(name string, i int) (end, n int, err error) {
	for end = i; end < len(name) && name[end] != '.'; n++ {
		if name[end] != '\\' {
			end++
			continue
		}
		_, w, err := unescape(name, end)
		if err != nil {
			return 0, 0, err
		}
		end += w
	}
	return end, n, nil
}

// unescape decodes the `\X` or `\DDD` escape at name[i] (RFC 1035 §5.1)
// and returns the octet and the escape's width.
func unescape(name string, i int) (byte, int, error) {
	if i+1 >= len(name) {
		return 0, 0, fmt.Errorf("%w: trailing backslash in %q", ErrName, name)
	}
	if !isDigit(name[i+1]) {
		return name[i+1], 2, nil
	}
	if i+3 >= len(name) || !isDigit(name[i+2]) || !isDigit(name[i+3]) {
		return 0, 0, fmt.Errorf("%w: bad \\DDD escape in %q", ErrName, name)
	}
	v := int(name[i+1]-'0')*100 + int(name[i+2]-'0')*10 + int(name[i+3]-'0')
	if v > 255 {
		return 0, 0, fmt.Errorf("%w: \\DDD escape over 255 in %q", ErrName, name)
	}
	return byte(v), 4, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// NextLabel returns the index in name of the label after the one starting
// at i, and whether there is none (i was the last label). Escaped dots do
// not end a label.
func NextLabel(name string, i int) (next int, end bool) {
	j, _, err := labelEnd(name, i)
	if err != nil || j+1 >= len(name) {
		return len(name), true
	}
	return j + 1, false
}

// NameLen is the uncompressed wire length of a presentation-format name,
// root label included. A name that cannot be encoded counts as its
// string's length plus one.
func NameLen(name string) int {
	if name == "" || name == "." {
		return 1
	}
	if !strings.Contains(name, `\`) {
		if strings.HasSuffix(name, ".") {
			return len(name) + 1
		}
		return len(name) + 2
	}
	n := 1
	for i := 0; i < len(name); {
		j, l, err := labelEnd(name, i)
		if err != nil {
			return len(name) + 1
		}
		n += 1 + l
		i = j + 1
	}
	return n
}

// appendName appends name in wire format. With c, its suffixes are noted
// for the names that follow and, if compress is set, it ends with a
// pointer to the longest suffix already written. b must hold the message
// from its first octet.
func appendName(b []byte, name string, c compressor, compress bool) ([]byte, error) {
	if name == "" || name == "." {
		return append(b, 0), nil
	}
	wire := 1
	for i := 0; i < len(name); {
		if c != nil {
			if p, ok := c[name[i:]]; ok && compress {
				// The suffix was written whole before, so it is valid, but
				// the labels in front of it may make the name too long.
				if wire-1+NameLen(name[i:]) > maxName {
					return nil, fmt.Errorf("%w: over %d octets: %q", ErrName, maxName, name)
				}
				return append(b, 0xc0|byte(p>>8), byte(p)), nil
			}
			if _, ok := c[name[i:]]; !ok && len(b) <= maxPointerOff {
				c[name[i:]] = len(b)
			}
		}
		j, n, err := labelEnd(name, i)
		switch {
		case err != nil:
			return nil, err
		case n == 0:
			return nil, fmt.Errorf("%w: empty label in %q", ErrName, name)
		case n > maxLabel:
			return nil, fmt.Errorf("%w: label over %d octets in %q", ErrName, maxLabel, name)
		}
		if wire += 1 + n; wire > maxName {
			return nil, fmt.Errorf("%w: over %d octets: %q", ErrName, maxName, name)
		}
		b = append(b, byte(n))
		for k := i; k < j; {
			if name[k] != '\\' {
				b = append(b, name[k])
				k++
				continue
			}
			v, w, _ := unescape(name, k)
			b = append(b, v)
			k += w
		}
		i = j + 1
	}
	return append(b, 0), nil
}

// UnpackName reads the name at msg[off:], following compression pointers,
// and returns it in presentation format with the offset after it.
// Pointers must point strictly before the label sequence they are read
// from, so a hostile message cannot make the reader loop.
func UnpackName(msg []byte, off int) (string, int, error) {
	var buf [maxName]byte // most names fit: one allocation, the string
	out := buf[:0]
	next, limit, wire := -1, off, 1
	for {
		if off >= len(msg) {
			return "", 0, ErrShort
		}
		c := int(msg[off])
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				if next < 0 {
					next = off + 1
				}
				if len(out) == 0 {
					return ".", next, nil
				}
				return string(out), next, nil
			}
			if off+1+c > len(msg) {
				return "", 0, ErrShort
			}
			if wire += 1 + c; wire > maxName {
				return "", 0, fmt.Errorf("%w: over %d octets", ErrName, maxName)
			}
			out = appendEscaped(out, msg[off+1:off+1+c])
			out = append(out, '.')
			off += 1 + c
		case 0xc0:
			if off+2 > len(msg) {
				return "", 0, ErrShort
			}
			p := (c&0x3f)<<8 | int(msg[off+1])
			if p >= limit {
				return "", 0, fmt.Errorf("%w: compression pointer to %d does not point backwards", ErrName, p)
			}
			if next < 0 {
				next = off + 2
			}
			limit, off = p, p
		default:
			return "", 0, fmt.Errorf("%w: label type %#x", ErrName, c&0xc0)
		}
	}
}

// appendEscaped appends a label in presentation format: the octets special
// in a name escaped as `\X`, the others outside printable ASCII as `\DDD`.
// The special set is miekg/dns's (with `'`, without `$`), so that decoded
// names are spelled as package mdns got them from miekg/dns.
func appendEscaped(b, label []byte) []byte {
	for _, c := range label {
		switch {
		case c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' ||
			c == ';' || c == '@' || c == '\'' || c == ' ':
			b = append(b, '\\', c)
		case c < 0x20 || c > 0x7e:
			b = append(b, '\\', '0'+c/100, '0'+c/10%10, '0'+c%10)
		default:
			b = append(b, c)
		}
	}
	return b
}
