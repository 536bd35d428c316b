package mdns

import (
	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// outMsg is a message to send before it is split to fit the interface.
type outMsg struct {
	id            uint16
	response      bool
	authoritative bool
	questions     []dnsmsg.Question
	answers       []dnsmsg.RR
	authority     []dnsmsg.RR
	additional    []dnsmsg.RR
	// with pairs a response's answers with their additional records
	// (RFC 6763 §12): with[i] indexes the records of additional that
	// belong with answers[i]. Nil: the additional records follow all the
	// answers, where they fit.
	with [][]int
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
// unicast) go in every message and answers are spread over as many
// messages as needed. An answer's own additional records (m.with) go in
// its message: an answer and its additional records are kept together,
// starting a new message rather than splitting them, so that each message
// describes whole instances (PTR with SRV, TXT and addresses) and a
// browser needs no further question for any of them. Other additional
// records follow the answers where they fit (RFC 6763 §12: they are an
// optimisation, so one that fits nowhere is left out). A single record
// larger than limit gets a message of its own up to MaxPacketSize; one
// larger still cannot be sent and is dropped.
func pack(m *outMsg, limit int) [][]byte {
	var out [][]byte
	newMsg := func(first bool) *dnsmsg.Msg {
		d := new(dnsmsg.Msg)
		d.ID = m.id
		d.Response = m.response
		d.Authoritative = m.authoritative
		if first || m.response {
			d.Question = append([]dnsmsg.Question(nil), m.questions...)
		}
		if first {
			d.Ns = append([]dnsmsg.RR(nil), m.authority...)
		}
		return d
	}
	flush := func(d *dnsmsg.Msg) {
		b, err := d.Pack()
		if err != nil || len(b) > MaxPacketSize {
			return
		}
		out = append(out, b)
	}
	cur := newMsg(true)
	sz := newSizer(cur, limit)
	// placed marks the additional records already in cur (by index).
	placed := make([]bool, len(m.additional))
	next := func() {
		sz.done()
		cur = newMsg(false)
		sz = newSizer(cur, limit)
		clear(placed)
	}
	empty := func(d *dnsmsg.Msg) bool {
		return len(d.Answer) == 0 && len(d.Ns) == 0 && len(d.Extra) == 0 && len(d.Question) == 0
	}
	paired := make([]bool, len(m.additional))
	for _, js := range m.with {
		for _, j := range js {
			paired[j] = true
		}
	}
	// addExtras adds answer i's additional records where they fit; it
	// returns those it placed and whether all of them fit.
	var unit []int
	addExtras := func(i int) bool {
		unit = unit[:0]
		if m.with == nil {
			return true
		}
		all := true
		for _, j := range m.with[i] {
			if placed[j] {
				continue
			}
			if sz.add(&cur.Extra, m.additional[j]) {
				placed[j] = true
				unit = append(unit, j)
			} else {
				all = false
			}
		}
		return all
	}
	for i, rr := range m.answers {
		mark := sz.mark()
		if sz.add(&cur.Answer, rr) {
			if addExtras(i) || len(cur.Answer) == 1 {
				continue
			}
			// The answer fits but its additional records do not: it
			// starts the next message with them.
			sz.rollback(mark)
			for _, j := range unit {
				placed[j] = false
			}
			flush(cur)
			next()
			sz.add(&cur.Answer, rr)
			addExtras(i)
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
			flush(cur)
			next()
			continue
		}
		addExtras(i)
	}
	// RFC 6763 §12: additional records are an optimisation. Once several
	// in a row did not fit, the message is full: stop trying the rest.
	misses := 0
	for j, rr := range m.additional {
		if misses >= maxAdditionalMisses {
			break
		}
		if paired[j] {
			continue // it went with its answer, or found no room there
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
	sz.done()
	return out
}

// A sizer adds records to a message while it stays within a size limit.
// It follows the packed length record by record (wireLen); only for a
// record type wireLen does not know does it fall back to Msg.Len, which
// compresses the whole message each time: then bound is an upper bound of
// the packed length (a record never takes more than its uncompressed
// length), and the exact length is computed only when the bound says a
// record might not fit.
type sizer struct {
	m     *dnsmsg.Msg
	limit int
	w     *wireLen // nil after the fallback
	bound int
}

func newSizer(m *dnsmsg.Msg, limit int) *sizer {
	s := &sizer{m: m, limit: limit, w: newWireLen()}
	for _, q := range m.Question {
		s.w.question(q)
	}
	for _, sec := range [...][]dnsmsg.RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			if !s.w.add(rr) {
				s.fallback()
				return s
			}
		}
	}
	return s
}

func (s *sizer) fallback() {
	if s.w != nil {
		s.w.release()
	}
	s.w = nil
	s.bound = s.m.Len()
}

// done releases what the sizer holds; it must not be used after.
func (s *sizer) done() {
	if s.w != nil {
		s.w.release()
		s.w = nil
	}
}

// add appends rr to section (one of the message's) if the message still
// fits, and reports whether it did.
func (s *sizer) add(section *[]dnsmsg.RR, rr dnsmsg.RR) bool {
	if s.w != nil {
		mk := s.w.mark()
		if s.w.add(rr) {
			if s.w.n > s.limit {
				s.w.rollback(mk)
				return false
			}
			*section = append(*section, rr)
			return true
		}
		s.fallback()
	}
	*section = append(*section, rr)
	if n := dnsmsg.Len(rr); s.bound+n <= s.limit {
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

// sizerMark is a point a sizer's message can go back to.
type sizerMark struct {
	answers, extra int
	w              wireMark
}

func (s *sizer) mark() sizerMark {
	mk := sizerMark{answers: len(s.m.Answer), extra: len(s.m.Extra)}
	if s.w != nil {
		mk.w = s.w.mark()
	}
	return mk
}

// rollback takes back the answers and additional records added after mk.
func (s *sizer) rollback(mk sizerMark) {
	s.m.Answer = s.m.Answer[:mk.answers]
	s.m.Extra = s.m.Extra[:mk.extra]
	if s.w != nil {
		s.w.rollback(mk.w)
		return
	}
	s.bound = s.m.Len()
}
