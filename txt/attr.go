package txt

import (
	"bytes"
	"fmt"
	"strings"
)

// An Attr is one DNS-SD attribute (RFC 6763 §6.3): one character-string of
// the TXT record.
//
// A nil Value is a boolean attribute, encoded as the bare key ("passreq").
// A non-nil empty Value encodes as "key=" (present, empty value). Any other
// Value encodes as "key=value"; values are opaque bytes and may be binary
// (RFC 6763 §6.5).
type Attr struct {
	Key   string
	Value []byte
}

// String returns the attribute as "key" or "key=value", with a backslash and
// bytes outside printable US-ASCII escaped as \\ and \DDD (decimal), the way
// DNS presentation format and avahi-browse show them.
func (a Attr) String() string {
	if a.Value == nil {
		return a.Key
	}
	var b strings.Builder
	b.WriteString(a.Key)
	b.WriteByte('=')
	for _, c := range a.Value {
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&b, `\%03d`, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Attrs is an ordered list of attributes. [Decode] returns one without
// duplicate keys; [Encode] refuses duplicates.
type Attrs []Attr

// Get returns the value of the first attribute whose key equals key,
// ignoring ASCII case (RFC 6763 §6.4). ok is false if there is none; a
// boolean attribute gives a nil value with ok true.
func (a Attrs) Get(key string) (value []byte, ok bool) {
	if i := a.index(key); i >= 0 {
		return a[i].Value, true
	}
	return nil, false
}

// Has reports whether an attribute with key is present, ignoring ASCII case.
func (a Attrs) Has(key string) bool { return a.index(key) >= 0 }

// Bool interprets key as a boolean attribute (RFC 6763 §6.4): a bare key is
// true and an absent key is false, both with ok true. A key with a value is
// read leniently: 1, t, true, y, yes, on give true and 0, f, false, n, no,
// off give false, in any case. Any other value, including the empty value
// of "key=", gives ok false: the attribute is present but is not a boolean.
func (a Attrs) Bool(key string) (value, ok bool) {
	i := a.index(key)
	if i < 0 {
		return false, true
	}
	v := a[i].Value
	if v == nil {
		return true, true
	}
	switch strings.ToLower(string(v)) {
	case "1", "t", "true", "y", "yes", "on":
		return true, true
	case "0", "f", "false", "n", "no", "off":
		return false, true
	}
	return false, false
}

// Size returns the length of the TXT RDATA that a encodes to, counting one
// length byte per string and the single empty string of an empty set
// (RFC 6763 §6.1).
func (a Attrs) Size() int {
	if len(a) == 0 {
		return 1
	}
	n := 0
	for _, at := range a {
		n += 1 + len(at.Key)
		if at.Value != nil {
			n += 1 + len(at.Value)
		}
	}
	return n
}

// Equal reports whether a and b hold the same attributes in the same order,
// with keys compared exactly and a nil Value (boolean) different from an
// empty one. A nil and an empty list are equal.
func (a Attrs) Equal(b Attrs) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key || (a[i].Value == nil) != (b[i].Value == nil) || !bytes.Equal(a[i].Value, b[i].Value) {
			return false
		}
	}
	return true
}

func (a Attrs) index(key string) int {
	for i, at := range a {
		if equalFoldASCII(at.Key, key) {
			return i
		}
	}
	return -1
}

// equalFoldASCII compares ignoring ASCII case only: strings.EqualFold would
// also match "k" with the Kelvin sign, and keys are US-ASCII (RFC 6763 §6.4).
func equalFoldASCII(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lowerASCII(a[i]) != lowerASCII(b[i]) {
			return false
		}
	}
	return true
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func lowerKey(k string) string {
	i := 0
	for i < len(k) && !('A' <= k[i] && k[i] <= 'Z') {
		i++
	}
	if i == len(k) {
		return k // most keys are lower case already: no allocation
	}
	b := []byte(k)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}

// checkKey returns why key is not a valid attribute key, or "".
func checkKey(key string) string {
	if key == "" {
		return "empty" // RFC 6763 §6.4: at least one character
	}
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case c == '=':
			return fmt.Sprintf("'=' at byte %d", i) // RFC 6763 §6.4: the key ends at the first '='
		case c < 0x20 || c > 0x7e:
			return fmt.Sprintf("byte 0x%02x at %d is not printable US-ASCII", c, i) // RFC 6763 §6.4
		}
	}
	return ""
}

// Encode returns the character-strings for attrs, in order. It checks that
// every key is 1 or more printable US-ASCII bytes without '=', that no two
// keys are equal ignoring case, and that every string fits in 255 bytes
// (RFC 6763 §6.4, §6.1); the error is a [*KeyError] naming the key. An empty
// list encodes as one empty string, never as no strings (RFC 6763 §6.1).
func Encode(attrs Attrs) ([][]byte, error) {
	if len(attrs) == 0 {
		return [][]byte{{}}, nil
	}
	seen := make(map[string]int, len(attrs))
	strs := make([][]byte, 0, len(attrs))
	for i, at := range attrs {
		if why := checkKey(at.Key); why != "" {
			return nil, &KeyError{Key: at.Key, Index: i, Err: ErrInvalidKey, Reason: why}
		}
		lk := lowerKey(at.Key)
		if j, dup := seen[lk]; dup {
			return nil, &KeyError{Key: at.Key, Index: i, Err: ErrDuplicateKey,
				Reason: fmt.Sprintf("same as attribute %d %q ignoring case (RFC 6763 §6.4)", j, attrs[j].Key)}
		}
		seen[lk] = i
		n := len(at.Key)
		if at.Value != nil {
			n += 1 + len(at.Value)
		}
		if n > MaxStringLen {
			return nil, &KeyError{Key: at.Key, Index: i, Err: ErrTooLong,
				Reason: fmt.Sprintf("encodes to %d bytes, max %d", n, MaxStringLen)}
		}
		s := make([]byte, 0, n)
		s = append(s, at.Key...)
		if at.Value != nil {
			s = append(s, '=')
			s = append(s, at.Value...)
		}
		strs = append(strs, s)
	}
	return strs, nil
}

// Decode returns the attributes in strs. It never fails; as RFC 6763 §6.4
// asks, it is lenient: the first occurrence of a key wins and later ones are
// dropped (keys compare ignoring case), and strings with an empty key (an
// empty string or one starting with '=') are skipped. Strings whose key has
// a byte outside printable US-ASCII, or that are longer than 255 bytes, are
// skipped as well, so that every result re-encodes with [Encode]. Strings
// past the first [MaxRDataLen] bytes of RDATA, more than any DNS record
// holds, are ignored. Values are copies.
func Decode(strs [][]byte) Attrs {
	var attrs Attrs
	// A set, not attrs.index: a hostile record can hold many thousands of
	// strings, and a linear search per string would be quadratic.
	seen := make(map[string]struct{})
	budget := MaxRDataLen
	for _, s := range strs {
		if budget -= 1 + len(s); budget < 0 {
			break
		}
		if len(s) > MaxStringLen {
			continue
		}
		key, value, hasValue := bytes.Cut(s, []byte{'='})
		if checkKey(string(key)) != "" {
			continue
		}
		lk := lowerKey(string(key))
		if _, dup := seen[lk]; dup {
			continue
		}
		seen[lk] = struct{}{}
		at := Attr{Key: string(key)}
		if hasValue {
			at.Value = append([]byte{}, value...)
		}
		attrs = append(attrs, at)
	}
	return attrs
}
