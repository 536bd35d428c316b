package bench

import (
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"time"
)

// question builds a one-question DNS query (RFC 1035 §4.1) without a DNS
// library: this package may not use miekg/dns (only package mdns touches
// the wire). qu sets the unicast-response bit (RFC 6762 §5.4).
func question(id uint16, name string, qtype uint16, qu bool) []byte {
	b := make([]byte, 12, 64)
	binary.BigEndian.PutUint16(b[0:], id)
	binary.BigEndian.PutUint16(b[4:], 1) // QDCOUNT
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	b = append(b, 0)
	class := uint16(1)
	if qu {
		class |= 0x8000
	}
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(b, qtype), class)
}

const typePTR = 12

// header fields of a DNS message.
func msgID(b []byte) uint16    { return binary.BigEndian.Uint16(b[0:]) }
func isResponse(b []byte) bool { return len(b) >= 12 && b[2]&0x80 != 0 }
func ancount(b []byte) int     { return int(binary.BigEndian.Uint16(b[6:])) }
func recordCount(b []byte) int {
	return ancount(b) + int(binary.BigEndian.Uint16(b[8:])) + int(binary.BigEndian.Uint16(b[10:]))
}
func truncated(b []byte) bool    { return b[2]&0x02 != 0 }
func questionCount(b []byte) int { return int(binary.BigEndian.Uint16(b[4:])) }

// summary is a sample of durations described by its median and 90th
// percentile (nearest rank).
type summary struct {
	n             int
	min, med, p90 time.Duration
	max           time.Duration
}

func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		return s[max(0, min(i, len(s)-1))]
	}
	return summary{n: len(s), min: s[0], med: rank(0.5), p90: rank(0.9), max: s[len(s)-1]}
}

func (s summary) String() string {
	if s.n == 0 {
		return "no samples"
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond)) }
	switch {
	case s.med < time.Millisecond:
		ms = func(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }
	case s.med < 10*time.Millisecond:
		ms = func(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
	}
	return fmt.Sprintf("median %s ms, p90 %s ms (n=%d, min %s, max %s)", ms(s.med), ms(s.p90), s.n, ms(s.min), ms(s.max))
}
