package mdns

import (
	"encoding/binary"

	"github.com/miekg/dns"
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
func parseMessage(b []byte) (m *dns.Msg, skipped int, why dropReason) {
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
	m = new(dns.Msg)
	if err := unpackSafely(m, b); err != nil {
		// One bad record must not cost the good ones beside it:
		// python-zeroconf 0.47 sends NSECs whose type bitmap starts with
		// an empty block (against RFC 4034 §4.1.2), which miekg/dns
		// refuses for the whole message. The header and questions must
		// still parse.
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
func unpackLenient(b []byte) (m *dns.Msg, skipped int) {
	defer func() {
		if recover() != nil {
			m, skipped = nil, 0
		}
	}()
	hdr := append([]byte(nil), b[:12]...)
	clear(hdr[4:12]) // counts zeroed: the header alone
	m = new(dns.Msg)
	if m.Unpack(hdr) != nil {
		return nil, 0
	}
	count := func(i int) int { return int(binary.BigEndian.Uint16(b[4+2*i:])) }
	off := 12
	for range count(0) {
		name, next, err := dns.UnpackDomainName(b, off)
		if err != nil || next+4 > len(b) {
			return nil, 0
		}
		m.Question = append(m.Question, dns.Question{
			Name:   name,
			Qtype:  binary.BigEndian.Uint16(b[next:]),
			Qclass: binary.BigEndian.Uint16(b[next+2:]),
		})
		off = next + 4
	}
	sections := []*[]dns.RR{&m.Answer, &m.Ns, &m.Extra}
	for i, sec := range sections {
		for range count(i + 1) {
			rr, next, err := dns.UnpackRR(b, off)
			if err == nil && rr != nil {
				*sec = append(*sec, rr)
				off = next
				continue
			}
			_, afterName, err := dns.UnpackDomainName(b, off)
			if err != nil || afterName+10 > len(b) {
				return nil, 0
			}
			end := afterName + 10 + int(binary.BigEndian.Uint16(b[afterName+8:]))
			if end > len(b) {
				return nil, 0
			}
			skipped++
			off = end
		}
	}
	return m, skipped
}

// unpackSafely turns a panic inside the DNS parser into an error: hostile
// input must never crash the process.
func unpackSafely(m *dns.Msg, b []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errBadName
		}
	}()
	return m.Unpack(b)
}
