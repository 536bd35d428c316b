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
// unexpected messages are silently ignored).
func parseMessage(b []byte) (m *dns.Msg, why dropReason) {
	if len(b) > MaxPacketSize { // RFC 6762 §17
		return nil, dropOversize
	}
	if len(b) < 12 {
		return nil, dropMalformed
	}
	flags := binary.BigEndian.Uint16(b[2:4])
	opcode := (flags >> 11) & 0xf
	rcode := flags & 0xf
	if opcode != 0 || rcode != 0 { // RFC 6762 §18.3, §18.11
		return nil, dropOpcode
	}
	n := 0
	for i := 4; i < 12; i += 2 {
		n += int(binary.BigEndian.Uint16(b[i : i+2]))
	}
	if n > maxRecordsPerPacket {
		return nil, dropTooMany
	}
	m = new(dns.Msg)
	if err := unpackSafely(m, b); err != nil {
		return nil, dropMalformed
	}
	return m, dropNone
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
