package txt

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// The compact part of the DNS-SD flavour (the "blob") is a small binary
// format, specified in doc.go. Generic JSON+DEFLATE was measured first and
// is about 30% larger on go-micro's own example services: most of a
// service's endpoint description is short strings that repeat (field names,
// type names, "<Method>Request"), so the format interns strings and lets
// one string name the endpoint's method, and DEFLATE then only has to
// squeeze the repeated value trees.

// String kinds: the low two bits of a string's uvarint tag.
const (
	strLiteral = 0 // tag>>2 bytes follow; appended to the table
	strRef     = 1 // table[tag>>2]
	strHex     = 2 // tag>>2 bytes follow, standing for their lower-case hex; appended to the table
	strMethod  = 3 // tag>>2 must be 0: the endpoint's method name followed by a non-method string
)

// Flag bits of the blob's first uvarint.
const (
	flagMetadata  = 1 << 0 // Payload.Metadata is non-nil
	flagEndpoints = 1 << 1 // Payload.Endpoints is non-nil; the endpoint list follows
	flagsKnown    = flagMetadata | flagEndpoints
)

// staticStrings start every string table, so that common type and field
// names cost one byte from their first use. Part of format txtvers=1:
// never reorder or remove; appending is a new txtvers.
var staticStrings = []string{
	"string", "bool", "int32", "int64", "uint32", "uint64", "float32", "float64",
	"[]string", "[]byte", "[]int32", "[]int64", "map[string]string",
	"Request", "Response", "stream", "true", "false", "subscriber", "topic",
	"id", "name", "ok", "msg", "count", "data", "error",
}

type blobEncoder struct {
	b      []byte
	table  map[string]int
	n      int    // table size
	method string // method of the endpoint being encoded, "" outside one
}

// encodeBlob encodes overflow metadata and the endpoints of p. overflow is
// encoded in key order.
func encodeBlob(p Payload, overflow map[string]string) ([]byte, error) {
	e := &blobEncoder{table: make(map[string]int, len(staticStrings)+32)}
	for _, s := range staticStrings {
		e.table[s] = e.n
		e.n++
	}
	var flags uint64
	if p.Metadata != nil {
		flags |= flagMetadata
	}
	if p.Endpoints != nil {
		flags |= flagEndpoints
	}
	e.uvarint(flags)
	e.pairs(overflow, 0)
	if p.Endpoints != nil {
		e.uvarint(uint64(len(p.Endpoints)))
		for i, ep := range p.Endpoints {
			if err := e.endpoint(ep); err != nil {
				return nil, fmt.Errorf("txt: endpoint %d: %w", i, err)
			}
		}
	}
	return e.b, nil
}

func (e *blobEncoder) uvarint(x uint64) { e.b = binary.AppendUvarint(e.b, x) }

// pairs encodes len(m)+bias and then the pairs in key order.
func (e *blobEncoder) pairs(m map[string]string, bias uint64) {
	e.uvarint(uint64(len(m)) + bias)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		e.str(k)
		e.str(m[k])
	}
}

// mapping encodes a map that may be nil: 0, or the count plus one.
func (e *blobEncoder) mapping(m map[string]string) {
	if m == nil {
		e.uvarint(0)
		return
	}
	e.pairs(m, 1)
}

func (e *blobEncoder) endpoint(ep *Endpoint) error {
	if ep == nil {
		e.uvarint(0)
		return nil
	}
	e.uvarint(1)
	// "Handler.Method" is sent as "Handler." and "Method"; the method
	// then abbreviates "MethodRequest", "MethodResponse" and the like.
	i := strings.LastIndexByte(ep.Name, '.') + 1
	e.method = ""
	e.str(ep.Name[:i])
	e.str(ep.Name[i:])
	e.method = ep.Name[i:]
	defer func() { e.method = "" }()
	if err := e.value(ep.Request, 1); err != nil {
		return fmt.Errorf("request: %w", err)
	}
	if err := e.value(ep.Response, 1); err != nil {
		return fmt.Errorf("response: %w", err)
	}
	e.mapping(ep.Metadata)
	return nil
}

// value encodes v as 0 (nil) or 1 + (children<<1 | typeIsName), where
// children is 0 for nil Values and len+1 otherwise.
func (e *blobEncoder) value(v *Value, depth int) error {
	if v == nil {
		e.uvarint(0)
		return nil
	}
	if depth > MaxValueDepth {
		return fmt.Errorf("value %q nested deeper than %d: %w", v.Name, MaxValueDepth, ErrInvalidPayload)
	}
	var h uint64
	if v.Values != nil {
		h = uint64(len(v.Values)) + 1
	}
	h <<= 1
	if v.Type == v.Name {
		h |= 1
	}
	e.uvarint(h + 1)
	e.str(v.Name)
	if v.Type != v.Name {
		e.str(v.Type)
	}
	for _, c := range v.Values {
		if err := e.value(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

func (e *blobEncoder) str(s string) {
	if i, ok := e.table[s]; ok {
		e.uvarint(uint64(i)<<2 | strRef)
		return
	}
	if e.method != "" && len(s) > len(e.method) && strings.HasPrefix(s, e.method) {
		e.uvarint(strMethod)
		s = s[len(e.method):]
		if i, ok := e.table[s]; ok {
			e.uvarint(uint64(i)<<2 | strRef)
			return
		}
	}
	e.table[s] = e.n
	e.n++
	if isLowerHex(s) {
		e.uvarint(uint64(len(s)/2)<<2 | strHex)
		e.b, _ = hex.AppendDecode(e.b, []byte(s)) // cannot fail: isLowerHex
		return
	}
	e.uvarint(uint64(len(s))<<2 | strLiteral)
	e.b = append(e.b, s...)
}

// isLowerHex reports whether s is a non-empty, even-length string of
// lower-case hex digits, which strHex stores in half the bytes.
func isLowerHex(s string) bool {
	if s == "" || len(s)%2 != 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
