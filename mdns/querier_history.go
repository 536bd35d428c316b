package mdns

import (
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Duplicate question suppression (RFC 6762 §7.3): when another host has
// just multicast the question we are about to ask, and its known-answer
// list holds nothing we would not list ourselves, the responses it gets
// are everything we would get; we skip ours and carry on with the schedule
// as if we had sent it.
//
// The brief history kept per interface and family is bounded in entries
// and age.
const (
	historySize   = 64
	historyWindow = time.Second
)

type seenQuestion struct {
	key rrKey
	at  time.Time
	ka  map[string]bool // identities of the known answers it listed
}

type history struct {
	ring []seenQuestion
	next int
}

func (h *history) add(sq seenQuestion) {
	if len(h.ring) < historySize {
		h.ring = append(h.ring, sq)
		return
	}
	h.ring[h.next] = sq
	h.next = (h.next + 1) % historySize
}

// covers reports whether a question for key, with our known answers ours,
// was asked by another host within historyWindow with known answers that
// are a subset of ours.
func (h *history) covers(key rrKey, ours map[string]bool, now time.Time) bool {
	for _, sq := range h.ring {
		if sq.key != key || now.Sub(sq.at) > historyWindow || sq.at.After(now) {
			continue
		}
		subset := true
		for id := range sq.ka {
			if !ours[id] {
				subset = false
				break
			}
		}
		if subset {
			return true
		}
	}
	return false
}

// recordQuestions notes the QM questions of another host's query. A query
// whose known-answer list continues in another packet (TC) is not noted:
// we cannot see the whole list.
func (q *querier) recordQuestions(in *inMsg) {
	m := in.msg
	if m.Truncated || len(m.Ns) > 0 {
		return
	}
	fk := famKey{ifIndex: in.ifi.Index, v6: in.v6}
	if _, ok := q.serves(fk); !ok {
		return
	}
	now := time.Now()
	var s *sender
	for _, qu := range m.Question {
		if qu.Qclass&quBit != 0 || qu.Qclass&classMask != dnsmsg.ClassINET {
			continue
		}
		key := rrKey{name: canonical(qu.Name), typ: qu.Qtype}
		ka := make(map[string]bool)
		for _, rr := range m.Answer {
			k := keyOf(rr)
			if k.name == key.name && (k.typ == key.typ || key.typ == dnsmsg.TypeANY) {
				ka[rrID(rr)] = true
			}
		}
		if s == nil {
			s = q.sender(fk)
		}
		s.hist.add(seenQuestion{key: key, at: now, ka: ka})
	}
}
