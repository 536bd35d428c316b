package mdns

import (
	"encoding/binary"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// maxRecordsPerPacket bounds the records (questions included) we parse from
// one message. A 9000-byte message cannot hold many more real records; a
// header announcing more is hostile or broken.
const maxRecordsPerPacket = 512

type dropReason int

const (
	dropNone dropReason = iota
	dropOversize
	dropMalformed
	dropTooMany
	dropOpcode
)

// parseMessage filters a datagram on its size and header before it spends
// any effort on the body, then unpacks it. Everything that fails is dropped
// silently by the caller and counted (RFC 6762 §18: malformed or
// unexpected messages are silently ignored). skipped counts records that
// did not parse in a message that otherwise did.
func parseMessage(b []byte) (m *dnsmsg.Msg, skipped int, why dropReason) {
	if len(b) > MaxPacketSize { // RFC 6762 §17
		return nil, 0, dropOversize
	}
	if len(b) < 12 {
		return nil, 0, dropMalformed
	}
	flags := binary.BigEndian.Uint16(b[2:4])
	opcode := (flags >> 11) & 0xf
	rcode := flags & 0xf
	if opcode != 0 || rcode != 0 { // RFC 6762 §18.3, §18.11
		return nil, 0, dropOpcode
	}
	n := 0
	for i := 4; i < 12; i += 2 {
		n += int(binary.BigEndian.Uint16(b[i : i+2]))
	}
	if n > maxRecordsPerPacket {
		return nil, 0, dropTooMany
	}
	m = new(dnsmsg.Msg)
	if err := m.Unpack(b); err != nil {
		// One bad record must not cost the good ones beside it:
		// python-zeroconf 0.47 sends NSECs whose type bitmap starts with
		// an empty block (against RFC 4034 §4.1.2), which the decoder
		// refuses. The header and questions must still parse.
		m, skipped = unpackLenient(b)
		if m == nil {
			return nil, 0, dropMalformed
		}
	}
	return m, skipped, dropNone
}

// unpackLenient parses b record by record, keeping every record that
// parses and skipping, by its RDLENGTH, each one that does not. It returns
// nil when the header, a question or a record's framing is unreadable.
func unpackLenient(b []byte) (m *dnsmsg.Msg, skipped int) {
	m = new(dnsmsg.Msg)
	if m.Unpack(b[:12]) != nil {
		return nil, 0
	}
	count := func(i int) int { return int(binary.BigEndian.Uint16(b[4+2*i:])) }
	off := 12
	for range count(0) {
		q, next, err := dnsmsg.UnpackQuestion(b, off)
		if err != nil {
			return nil, 0
		}
		m.Question = append(m.Question, q)
		off = next
	}
	sections := []*[]dnsmsg.RR{&m.Answer, &m.Ns, &m.Extra}
	for i, sec := range sections {
		for range count(i + 1) {
			rr, next, err := dnsmsg.UnpackRR(b, off)
			if err == nil {
				*sec = append(*sec, rr)
				off = next
				continue
			}
			if next, err = dnsmsg.SkipRR(b, off); err != nil {
				return nil, 0
			}
			skipped++
			off = next
		}
	}
	return m, skipped
}
