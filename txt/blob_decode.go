package txt

import (
	"encoding/binary"
	"encoding/hex"
)

const blobInput = "payload blob" // the inflated compact part, in errors

type blobDecoder struct {
	b      []byte
	off    int
	table  []string
	method string
	err    error // first error; every read after it returns zero values
}

// decodeBlob is the inverse of encodeBlob. It returns the Payload fields it
// carries (Version is not among them) and the overflow metadata.
func decodeBlob(b []byte) (p Payload, overflow map[string]string, err error) {
	d := &blobDecoder{b: b, table: append(make([]string, 0, len(staticStrings)+32), staticStrings...)}
	flags := d.uvarint("flags")
	if d.err == nil && flags&^flagsKnown != 0 {
		d.fail(0, "unknown flags %#x", flags)
	}
	if flags&flagMetadata != 0 {
		p.Metadata = map[string]string{}
	}
	overflow = d.pairs(d.count("metadata count"))
	if flags&flagEndpoints != 0 {
		n := d.count("endpoint count")
		p.Endpoints = make([]*Endpoint, 0, n)
		for i := 0; i < n && d.err == nil; i++ {
			p.Endpoints = append(p.Endpoints, d.endpoint())
		}
	}
	if d.err == nil && d.off != len(d.b) {
		d.fail(d.off, "%d bytes after the last endpoint", len(d.b)-d.off)
	}
	if d.err != nil {
		return Payload{}, nil, d.err
	}
	return p, overflow, nil
}

func (d *blobDecoder) fail(off int, format string, args ...any) {
	if d.err == nil {
		d.err = syntaxErr(blobInput, off, format, args...)
	}
}

func (d *blobDecoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail(d.off, "bad or missing varint (%s)", what)
		return 0
	}
	d.off += n
	return x
}

// count reads a count. Each counted element takes at least one byte, so a
// count larger than what remains is malformed, which also bounds every
// allocation by the input.
func (d *blobDecoder) count(what string) int {
	at := d.off
	x := d.uvarint(what)
	if d.err != nil {
		return 0
	}
	if x > uint64(len(d.b)-d.off) {
		d.fail(at, "%s %d exceeds the %d bytes left", what, x, len(d.b)-d.off)
		return 0
	}
	return int(x)
}

// pairs reads n key/value pairs into a new map; nil if n is 0.
func (d *blobDecoder) pairs(n int) map[string]string {
	if d.err != nil || n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for i := 0; i < n && d.err == nil; i++ {
		k := d.str()
		m[k] = d.str() // a repeated key: the last wins, as in JSON
	}
	return m
}

// mapping reads a map that may be nil: 0, or its size plus one.
func (d *blobDecoder) mapping() map[string]string {
	at := d.off
	x := d.uvarint("metadata")
	if x == 0 || d.err != nil {
		return nil
	}
	if x-1 > uint64(len(d.b)-d.off) {
		d.fail(at, "metadata count %d exceeds the %d bytes left", x-1, len(d.b)-d.off)
		return nil
	}
	if m := d.pairs(int(x - 1)); m != nil {
		return m
	}
	return map[string]string{}
}

func (d *blobDecoder) endpoint() *Endpoint {
	at := d.off
	switch d.uvarint("endpoint") {
	case 0:
		return nil
	case 1:
	default:
		d.fail(at, "endpoint marker must be 0 or 1")
		return nil
	}
	d.method = ""
	prefix := d.str()
	method := d.str()
	d.method = method
	ep := &Endpoint{Name: prefix + method}
	ep.Request = d.value(1)
	ep.Response = d.value(1)
	ep.Metadata = d.mapping()
	d.method = ""
	return ep
}

func (d *blobDecoder) value(depth int) *Value {
	at := d.off
	h := d.uvarint("value")
	if h == 0 || d.err != nil {
		return nil
	}
	if depth > MaxValueDepth {
		d.fail(at, "value nested deeper than %d", MaxValueDepth)
		return nil
	}
	h--
	v := &Value{Name: d.str()}
	v.Type = v.Name
	if h&1 == 0 {
		v.Type = d.str()
	}
	if h>>1 == 0 {
		return v
	}
	if h>>1-1 > uint64(len(d.b)-d.off) {
		d.fail(at, "value has %d fields but only %d bytes are left", h>>1-1, len(d.b)-d.off)
		return nil
	}
	n := int(h>>1 - 1)
	v.Values = make([]*Value, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		v.Values = append(v.Values, d.value(depth+1))
	}
	return v
}

func (d *blobDecoder) str() string { return d.strKind(true) }

func (d *blobDecoder) strKind(methodOK bool) string {
	at := d.off
	tag := d.uvarint("string")
	if d.err != nil {
		return ""
	}
	n := tag >> 2
	switch tag & 3 {
	case strRef:
		if n >= uint64(len(d.table)) {
			d.fail(at, "string reference %d, but the table has %d entries", n, len(d.table))
			return ""
		}
		return d.table[n]
	case strMethod:
		if !methodOK || n != 0 {
			d.fail(at, "misplaced method-prefixed string")
			return ""
		}
		return d.method + d.strKind(false)
	}
	if n > uint64(len(d.b)-d.off) {
		d.fail(at, "string of %d bytes, but only %d are left", n, len(d.b)-d.off)
		return ""
	}
	raw := d.b[d.off : d.off+int(n)]
	d.off += int(n)
	var s string
	if tag&3 == strHex {
		s = hex.EncodeToString(raw)
	} else {
		s = string(raw)
	}
	d.table = append(d.table, s)
	return s
}
