package dnswire

import (
	"encoding/binary"
	"strings"
)

// Builder assembles a message, uncompressed, for the tests.
type Builder struct {
	flags    uint16
	q        [][]byte
	sections [3][][]byte
}

// NewQuery starts a query (QR clear, ID 0 as RFC 6762 §18.1 asks).
func NewQuery() *Builder { return &Builder{} }

// NewResponse starts an authoritative response (QR and AA set).
func NewResponse() *Builder { return &Builder{flags: 0x8400} }

// Question adds a question.
func (bd *Builder) Question(name string, typ, class uint16) *Builder {
	q := AppendName(nil, name)
	q = binary.BigEndian.AppendUint16(q, typ)
	bd.q = append(bd.q, binary.BigEndian.AppendUint16(q, class))
	return bd
}

// Section indexes for Builder.Add.
const (
	Answer     = 0
	Authority  = 1
	Additional = 2
)

// Add appends a record with raw RDATA to a section.
func (bd *Builder) Add(section int, name string, typ, class uint16, ttl uint32, rdata []byte) *Builder {
	b := AppendName(nil, name)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, class)
	b = binary.BigEndian.AppendUint32(b, ttl)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
	bd.sections[section] = append(bd.sections[section], append(b, rdata...))
	return bd
}

// Bytes returns the message.
func (bd *Builder) Bytes() []byte {
	b := make([]byte, headerLen, 512)
	binary.BigEndian.PutUint16(b[2:], bd.flags)
	binary.BigEndian.PutUint16(b[4:], uint16(len(bd.q)))
	for i, s := range bd.sections {
		binary.BigEndian.PutUint16(b[6+2*i:], uint16(len(s)))
	}
	for _, q := range bd.q {
		b = append(b, q...)
	}
	for _, s := range bd.sections {
		for _, r := range s {
			b = append(b, r...)
		}
	}
	return b
}

// AppendName appends a dotted name whose labels hold no dots; each label
// is cut at 63 bytes.
func AppendName(b []byte, name string) []byte {
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if l == "" {
			continue
		}
		l = l[:min(len(l), 63)]
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

// SRVData is the RDATA of an SRV record (priority and weight 0).
func SRVData(port uint16, target string) []byte {
	b := binary.BigEndian.AppendUint16(make([]byte, 0, 64), 0)
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint16(b, port)
	return AppendName(b, target)
}

// TXTData is the RDATA of a TXT record of the given strings (each cut at
// 255 bytes).
func TXTData(strs ...string) []byte {
	var b []byte
	for _, s := range strs {
		s = s[:min(len(s), 255)]
		b = append(b, byte(len(s)))
		b = append(b, s...)
	}
	if len(b) == 0 {
		b = []byte{0}
	}
	return b
}
