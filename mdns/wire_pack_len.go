package mdns

import (
	"strings"
	"sync"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// wireLen follows the packed length of a message as records are added to
// it, exactly as dnsmsg's Msg.Pack compresses names, at the cost of the
// added record alone. Msg.Len recomputes
// the whole message, so filling a message to its limit with it costs a
// multiple of packing it; answering a legacy query for a type with a
// hundred instances spent most of its time there.
//
// It knows the record types mDNS sends (A, AAAA, PTR, SRV, TXT, NSEC,
// and opaque ones such as OPT). Given another, it reports false and the
// caller falls back to Msg.Len.
//
// Records may be added in another order than they are packed (answers
// and their additional records are added together, RFC 6763 §12). The
// total is the same in any order for names that are compressed; names
// that are not (an SRV target, an NSEC's next name) still let later names
// point into them when packed. So those are not noted here: the result
// is then exact or a few bytes over, never under, whatever the order.
type wireLen struct {
	n    int
	comp map[string]struct{} // name suffixes written so far, as Msg.Pack keeps them
	// journal lists the suffixes in comp in the order they came, so that
	// records can be taken back (rollback).
	journal []string
}

// wireMark is a point wireLen can go back to.
type wireMark struct{ n, j int }

// maxCompressionOffset is where name compression stops (a pointer has 14
// bits); mDNS messages never get there.
const maxCompressionOffset = 2 << 13

// wireLens are reused: filling every message of every answer with a fresh
// map was a fifth of what answering a query allocated.
var wireLens = sync.Pool{New: func() any { return &wireLen{comp: make(map[string]struct{})} }}

func newWireLen() *wireLen {
	w := wireLens.Get().(*wireLen)
	w.n = 12
	return w
}

// release hands w back for reuse; it must not be used after.
func (w *wireLen) release() {
	if len(w.journal) > 1024 {
		return // an unusually large one: let it go
	}
	clear(w.comp)
	w.journal = w.journal[:0]
	wireLens.Put(w)
}

func (w *wireLen) mark() wireMark { return wireMark{w.n, len(w.journal)} }

// rollback forgets what was added after m.
func (w *wireLen) rollback(m wireMark) {
	for _, s := range w.journal[m.j:] {
		delete(w.comp, s)
	}
	w.journal = w.journal[:m.j]
	w.n = m.n
}

// question adds a question.
func (w *wireLen) question(q dnsmsg.Question) {
	w.n += w.name(q.Name, w.n, true) + 4
}

// add adds a record; it reports false, changing nothing, for a type it
// does not know.
func (w *wireLen) add(rr dnsmsg.RR) bool {
	h := rr.Header()
	var rdName string // the one name in the RDATA of the types below, if any
	compress := false
	switch rr := rr.(type) {
	case *dnsmsg.A, *dnsmsg.AAAA, *dnsmsg.TXT, *dnsmsg.Unknown:
	case *dnsmsg.PTR:
		rdName, compress = rr.Ptr, true
	case *dnsmsg.SRV:
		rdName = rr.Target
	case *dnsmsg.NSEC:
		rdName = rr.NextDomain
	default:
		return false
	}
	// The record's uncompressed length less its names' is the fixed part
	// (type, class, TTL, length and the rest of the RDATA); the names are
	// then counted as Msg.Len counts them at their offsets.
	fixed := dnsmsg.Len(rr) - plainNameLen(h.Name)
	if rdName != "" {
		fixed -= plainNameLen(rdName)
	}
	n := w.name(h.Name, w.n, true) + fixed
	if rdName != "" {
		n += w.name(rdName, w.n+n, compress)
	}
	w.n += n
	return true
}

// name follows dnsmsg's appendName: every suffix of a compressed name not
// yet known is noted; a known one ends the name with a 2-byte pointer. A name that is not compressed costs its
// length (and is not noted, see above).
func (w *wireLen) name(s string, off int, compress bool) int {
	if s == "" || s == "." || !compress {
		return plainNameLen(s)
	}
	for i, end := 0, false; !end; i, end = dnsmsg.NextLabel(s, i) {
		if _, ok := w.comp[s[i:]]; ok {
			return plainNameLen(s[:i]) - 1 + 2
		}
		if off+i < maxCompressionOffset {
			w.comp[s[i:]] = struct{}{}
			w.journal = append(w.journal, s[i:])
		}
	}
	return plainNameLen(s)
}

// plainNameLen is the uncompressed wire length of a presentation-format
// name (its escapes decoded), root label included.
func plainNameLen(s string) int {
	if s == "" || s == "." {
		return 1
	}
	if !strings.Contains(s, "\\") {
		return len(s) + 1
	}
	n := len(s)
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			n -= 3
			i += 3
		} else {
			n--
			i++
		}
	}
	return n + 1
}
