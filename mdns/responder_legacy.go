package mdns

import (
	"strconv"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Legacy resolvers may not cache our answers for more than 10 s (RFC 6762
// §6.7), so they ask the same questions again and again. The packed
// replies to a question are kept until what we publish changes: a repeat
// costs a lookup and a copy instead of collecting and packing answers.
const legacyMemoMax = 64 // questions remembered; then it starts afresh

type legacyMemo struct {
	gen     uint64
	replies map[string][][]byte
	key     []byte // reused to build keys
}

// legacyKey identifies a legacy query whose reply can be reused: the
// questions exactly as asked (they are echoed), the size limit, the
// interface and family, appended to buf. Queries carrying known answers
// are not reused.
func legacyKey(buf []byte, in *inMsg, limit int) ([]byte, bool) {
	m := in.msg
	if len(m.Answer) > 0 || len(m.Ns) > 0 {
		return buf, false
	}
	buf = strconv.AppendInt(buf, int64(in.ifi.Index), 10)
	if in.v6 {
		buf = append(buf, "/6"...)
	}
	buf = strconv.AppendInt(append(buf, '/'), int64(limit), 10)
	for _, q := range m.Question {
		buf = append(append(buf, '|'), q.Name...)
		buf = strconv.AppendInt(append(buf, '/'), int64(q.Qtype), 10)
		buf = strconv.AppendInt(append(buf, '/'), int64(q.Qclass), 10)
	}
	return buf, true
}

// answerLegacy answers a query from a port other than 5353 (RFC 6762
// §6.7): by unicast to the source address and port, at once, with the
// query ID and question echoed, TTLs of at most 10 s and no cache-flush
// bit, in one message of at most 512 bytes unless the query's EDNS0
// record allows more, TC set when answers had to be left out.
func (r *responder) answerLegacy(ifr *ifResp, in *inMsg) {
	m := in.msg
	if len(m.Question) == 0 || m.Truncated {
		return
	}
	limit := legacyMaxSize
	if size, ok := m.EDNS0Size(); ok && size > limit {
		limit = min(size, ifr.ifi.limit(in.v6))
	}
	kb, reuse := legacyKey(r.legacy.key[:0], in, limit)
	r.legacy.key = kb
	if r.legacy.gen != r.gen || r.legacy.replies == nil || len(r.legacy.replies) >= legacyMemoMax {
		r.legacy = legacyMemo{gen: r.gen, replies: make(map[string][][]byte), key: kb}
	}
	if replies, ok := r.legacy.replies[string(kb)]; ok && reuse {
		for _, b := range replies {
			out := append(r.packBuf[:0], b...)
			out[0], out[1] = byte(m.ID>>8), byte(m.ID) // RFC 6762 §6.7: the query's ID
			r.packBuf = out[:0]
			r.c.write(in.v6, out, in.src, ifr.ifi.Index)
		}
		return
	}
	var sent [][]byte
	defer func() {
		if reuse {
			r.legacy.replies[string(kb)] = sent
		}
	}()
	pub := r.published(ifr.ifi)
	answers, _ := collect(pub, m.Question, knownAnswers(m.Answer))
	if len(answers) == 0 {
		return
	}
	o := respOpts{id: m.ID, legacy: true}
	for _, g := range groups(answers) {
		limit := limit
		if groupOwner(g) != nil {
			// hashicorp/mdns-derived clients (go-micro) ask from an
			// ephemeral port without EDNS0 but need the whole instance in
			// one message, and read replies of up to 64 KiB: a 512-byte
			// cut would drop the TXT and hide the service from them.
			limit = max(limit, ifr.ifi.limit(in.v6))
		}
		d := new(dnsmsg.Msg)
		d.ID = m.ID
		d.Response = true
		d.Authoritative = true
		d.Question = append([]dnsmsg.Question(nil), m.Question...)
		d.Answer = make([]dnsmsg.RR, 0, min(len(g), 32))
		sz := newSizer(d, limit)
		for _, p := range g {
			if !sz.add(&d.Answer, o.rr(p)) {
				d.Truncated = true
				break
			}
		}
		if len(d.Answer) == 0 {
			sz.done()
			continue
		}
		if !d.Truncated {
			// RFC 6763 §12: additional records only where they fit.
			ex, _ := additionals(pub, g, nil)
			for _, p := range ex {
				sz.add(&d.Extra, o.rr(p))
			}
		}
		sz.done()
		// One message, written at once: packed into a buffer kept for it.
		b, err := d.PackBuffer(r.packBuf[:cap(r.packBuf)])
		if err != nil {
			continue
		}
		if cap(b) <= 16<<10 {
			r.packBuf = b[:0]
		}
		if reuse {
			sent = append(sent, append([]byte(nil), b...))
		}
		r.c.write(in.v6, b, in.src, ifr.ifi.Index)
	}
}
