package mdns

import (
	"github.com/miekg/dns"
)

// outMsg is a message to send before it is split to fit the interface.
type outMsg struct {
	id            uint16
	response      bool
	authoritative bool
	questions     []dns.Question
	answers       []dns.RR
	authority     []dns.RR
	additional    []dns.RR
}

// maxAdditionalMisses is how many additional records in a row may fail to
// fit before pack stops trying the rest.
const maxAdditionalMisses = 8

// payloadLimit is the largest DNS message for an interface: the MTU less
// the IP and UDP headers, and never more than 9000 bytes (RFC 6762 §17).
func payloadLimit(mtu int, v6 bool) int {
	hdr := 20 + 8
	if v6 {
		hdr = 40 + 8
	}
	n := mtu - hdr
	if mtu <= 0 || n > MaxPacketSize {
		n = MaxPacketSize
	}
	if n < 512 {
		n = 512
	}
	return n
}

// pack splits m into wire messages of at most limit bytes.
//
// Queries: questions and the authority section (probes) go in the first
// message; known answers fill it and the following ones, each but the last
// with TC set (RFC 6762 §7.2). Responses: the questions (echoed for legacy
// unicast) go in every message, answers are spread over as many messages as
// needed, and additional records follow the answers where they fit
// (RFC 6763 §12: they are an optimisation, so one that fits nowhere is left
// out). A single record larger than limit gets a message of its own up to
// MaxPacketSize; one larger still cannot be sent and is dropped.
func pack(m *outMsg, limit int) [][]byte {
	var out [][]byte
	newMsg := func(first bool) *dns.Msg {
		d := new(dns.Msg)
		d.Id = m.id
		d.Response = m.response
		d.Authoritative = m.authoritative
		d.Compress = true
		if first || m.response {
			d.Question = append([]dns.Question(nil), m.questions...)
		}
		if first {
			d.Ns = append([]dns.RR(nil), m.authority...)
		}
		return d
	}
	flush := func(d *dns.Msg) {
		b, err := d.Pack()
		if err != nil || len(b) > MaxPacketSize {
			return
		}
		out = append(out, b)
	}
	cur := newMsg(true)
	sz := newSizer(cur, limit)
	next := func() {
		cur = newMsg(false)
		sz = newSizer(cur, limit)
	}
	empty := func(d *dns.Msg) bool {
		return len(d.Answer) == 0 && len(d.Ns) == 0 && len(d.Extra) == 0 && len(d.Question) == 0
	}
	for _, rr := range m.answers {
		if sz.add(&cur.Answer, rr) {
			continue
		}
		if len(cur.Answer) == 0 && (m.response || len(cur.Question) == 0) {
			// Alone and still too big: send it as large as mDNS allows.
			cur.Answer = append(cur.Answer, rr)
			if !m.response {
				cur.Truncated = true
			}
			flush(cur)
			next()
			continue
		}
		if !m.response {
			cur.Truncated = true // RFC 6762 §7.2: more known answers follow
		}
		flush(cur)
		next()
		if !sz.add(&cur.Answer, rr) {
			cur.Answer = append(cur.Answer, rr) // alone: as large as mDNS allows
		}
	}
	// RFC 6763 §12: additional records are an optimisation. Once several
	// in a row did not fit, the message is full: stop paying an exact
	// length computation for each of the rest.
	misses := 0
	for _, rr := range m.additional {
		if misses >= maxAdditionalMisses {
			break
		}
		if sz.add(&cur.Extra, rr) {
			misses = 0
		} else {
			misses++
		}
	}
	if !empty(cur) || len(out) == 0 {
		flush(cur)
	}
	return out
}

// A sizer adds records to a message while it stays within a size limit.
// Msg.Len compresses the whole message, so calling it after every record
// would make filling a message quadratic: bound is an upper bound of the
// packed length (a record never takes more than its uncompressed length),
// and the exact length is computed only when the bound says a record might
// not fit.
type sizer struct {
	m            *dns.Msg
	limit, bound int
}

func newSizer(m *dns.Msg, limit int) *sizer {
	return &sizer{m: m, limit: limit, bound: m.Len()}
}

// add appends rr to section (one of the message's) if the message still
// fits, and reports whether it did.
func (s *sizer) add(section *[]dns.RR, rr dns.RR) bool {
	*section = append(*section, rr)
	if n := dns.Len(rr); s.bound+n <= s.limit {
		s.bound += n
		return true
	}
	if exact := s.m.Len(); exact <= s.limit {
		s.bound = exact
		return true
	}
	*section = (*section)[:len(*section)-1]
	return false
}
