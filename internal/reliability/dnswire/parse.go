// Package dnswire reads just enough of the DNS message format (RFC 1035
// §4.1) for mdnskit's reliability harness: it decodes captured mDNS
// packets into records, to count what a responder multicast and to spot
// goodbyes. Only package mdns may use a DNS library (internal/archtest);
// this is a test tool, not a second implementation of the protocol.
//
// Parse treats its input as hostile, as everything read off a network
// is: it never reads past the buffer, follows at most maxPointers
// compression pointers per name, and refuses a message whose counts do
// not fit its size.
package dnswire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
)

// Record types and bits the harness looks at.
const (
	TypeA    = 1
	TypePTR  = 12
	TypeTXT  = 16
	TypeAAAA = 28
	TypeSRV  = 33
	TypeNSEC = 47
	TypeANY  = 255

	ClassIN = 1
	// FlushBit is the cache-flush bit of a record's class, and the
	// unicast-response bit of a question's (RFC 6762 §10.2, §5.4).
	FlushBit = 0x8000
)

// MaxMessage is the largest mDNS message (RFC 6762 §17).
const MaxMessage = 9000

const (
	headerLen   = 12
	maxPointers = 64
	maxName     = 255
)

// ErrMalformed is wrapped by every parse error.
var ErrMalformed = errors.New("dnswire: malformed message")

// Question is one entry of the question section.
type Question struct {
	Name  string // lower case, dotted, with a trailing dot
	Type  uint16
	Class uint16 // with the QU bit
}

// Record is one resource record.
type Record struct {
	Name  string // lower case, dotted, with a trailing dot
	Type  uint16
	Class uint16 // with the cache-flush bit
	TTL   uint32
	// Data is the RDATA, with the names inside PTR, SRV and NSEC records
	// decompressed (and lower-cased), so that one record has the same
	// Data in every message that carries it.
	Data []byte
}

// Key identifies the record regardless of TTL and cache-flush bit: owner,
// type and data.
func (r Record) Key() string {
	return fmt.Sprintf("%s %d %x", r.Name, r.Type, r.Data)
}

// String is a short presentation for logs.
func (r Record) String() string {
	return fmt.Sprintf("%s type%d ttl=%d", r.Name, r.Type, r.TTL)
}

// Message is a parsed DNS message.
type Message struct {
	ID       uint16
	Flags    uint16
	Question []Question
	Answer   []Record
	Ns       []Record
	Extra    []Record
}

// Response reports the QR bit.
func (m *Message) Response() bool { return m.Flags&0x8000 != 0 }

// Records returns the answer and additional records: what a response
// gives its receivers to cache.
func (m *Message) Records() []Record {
	out := make([]Record, 0, len(m.Answer)+len(m.Extra))
	return append(append(out, m.Answer...), m.Extra...)
}

// Goodbye reports whether m is a response whose every record has TTL 0
// (RFC 6762 §10.1).
func (m *Message) Goodbye() bool {
	rs := m.Records()
	if !m.Response() || len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if r.TTL != 0 {
			return false
		}
	}
	return true
}

// Parse decodes a message.
func Parse(b []byte) (*Message, error) {
	if len(b) < headerLen || len(b) > MaxMessage {
		return nil, fmt.Errorf("%w: %d bytes", ErrMalformed, len(b))
	}
	m := &Message{ID: binary.BigEndian.Uint16(b), Flags: binary.BigEndian.Uint16(b[2:])}
	var counts [4]int
	total := 0
	for i := range counts {
		counts[i] = int(binary.BigEndian.Uint16(b[4+2*i:]))
		total += counts[i]
	}
	// The smallest question is 5 bytes and the smallest record 11: a
	// count that cannot fit is a lie, refused before anything is made.
	if total*5 > len(b)-headerLen {
		return nil, fmt.Errorf("%w: %d entries in %d bytes", ErrMalformed, total, len(b))
	}
	off := headerLen
	for range counts[0] {
		name, n, err := readName(b, off)
		if err != nil {
			return nil, err
		}
		if n+4 > len(b) {
			return nil, fmt.Errorf("%w: question cut short", ErrMalformed)
		}
		m.Question = append(m.Question, Question{Name: name, Type: binary.BigEndian.Uint16(b[n:]), Class: binary.BigEndian.Uint16(b[n+2:])})
		off = n + 4
	}
	for i, sec := range []*[]Record{&m.Answer, &m.Ns, &m.Extra} {
		for range counts[i+1] {
			r, n, err := readRecord(b, off)
			if err != nil {
				return nil, err
			}
			*sec = append(*sec, r)
			off = n
		}
	}
	return m, nil
}

func readRecord(b []byte, off int) (Record, int, error) {
	name, n, err := readName(b, off)
	if err != nil {
		return Record{}, 0, err
	}
	if n+10 > len(b) {
		return Record{}, 0, fmt.Errorf("%w: record header cut short", ErrMalformed)
	}
	r := Record{Name: name, Type: binary.BigEndian.Uint16(b[n:]), Class: binary.BigEndian.Uint16(b[n+2:]), TTL: binary.BigEndian.Uint32(b[n+4:])}
	rdlen := int(binary.BigEndian.Uint16(b[n+8:]))
	start, end := n+10, n+10+rdlen
	if end > len(b) {
		return Record{}, 0, fmt.Errorf("%w: rdata cut short", ErrMalformed)
	}
	r.Data, err = readData(b, r.Type, start, end)
	if err != nil {
		return Record{}, 0, err
	}
	return r, end, nil
}

// readData copies a record's RDATA, expanding the names in it.
func readData(b []byte, typ uint16, start, end int) ([]byte, error) {
	raw := b[start:end]
	switch typ {
	case TypePTR:
		name, n, err := readName(b[:end], start)
		if err != nil || n != end {
			return nil, fmt.Errorf("%w: PTR data", ErrMalformed)
		}
		return []byte(name), nil
	case TypeSRV:
		if len(raw) < 7 {
			return nil, fmt.Errorf("%w: SRV data", ErrMalformed)
		}
		name, n, err := readName(b[:end], start+6)
		if err != nil || n != end {
			return nil, fmt.Errorf("%w: SRV target", ErrMalformed)
		}
		return append(append([]byte(nil), raw[:6]...), name...), nil
	case TypeNSEC:
		name, n, err := readName(b[:end], start)
		if err != nil {
			return nil, fmt.Errorf("%w: NSEC next name", ErrMalformed)
		}
		return append([]byte(name+" "), b[n:end]...), nil
	}
	return append([]byte(nil), raw...), nil
}

// readName reads a possibly compressed name at off and returns it with
// the offset just past it (past its first pointer, if any).
func readName(b []byte, off int) (string, int, error) {
	var sb strings.Builder
	next, jumps, length := -1, 0, 0
	for {
		if off >= len(b) {
			return "", 0, fmt.Errorf("%w: name runs past the end", ErrMalformed)
		}
		c := int(b[off])
		switch c & 0xC0 {
		case 0x00:
			if c == 0 {
				if next < 0 {
					next = off + 1
				}
				if sb.Len() == 0 {
					return ".", next, nil
				}
				return sb.String(), next, nil
			}
			if off+1+c > len(b) {
				return "", 0, fmt.Errorf("%w: label runs past the end", ErrMalformed)
			}
			if length += c + 1; length > maxName {
				return "", 0, fmt.Errorf("%w: name over %d bytes", ErrMalformed, maxName)
			}
			sb.WriteString(strings.ToLower(escapeLabel(b[off+1 : off+1+c])))
			sb.WriteByte('.')
			off += 1 + c
		case 0xC0:
			if off+1 >= len(b) {
				return "", 0, fmt.Errorf("%w: pointer cut short", ErrMalformed)
			}
			if jumps++; jumps > maxPointers {
				return "", 0, fmt.Errorf("%w: compression loop", ErrMalformed)
			}
			if next < 0 {
				next = off + 2
			}
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3FFF)
		default:
			return "", 0, fmt.Errorf("%w: label type %#x", ErrMalformed, c&0xC0)
		}
	}
}

// escapeLabel keeps a label's dots and non-printable bytes apart from the
// name's separators.
func escapeLabel(l []byte) string {
	var sb strings.Builder
	for _, c := range l {
		switch {
		case c == '.' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c < 0x21 || c > 0x7e:
			fmt.Fprintf(&sb, "\\%03d", c)
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String()
}
