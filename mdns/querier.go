package mdns

import (
	"net/netip"
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// querier asks questions continuously, caches answers and turns them into
// browse events (RFC 6762 §5, §7, §10). It lives on the Conn's loop:
// every method is called with the Conn's mutex held (conn.go).
//
// Browsers never read packets: every response goes into the cache, and a
// browser recomputes the instances whose records changed. Several browsers
// therefore share what the cache knows, and an event can only ever
// describe what the cache holds.
type querier struct {
	c     *Conn
	cache cache

	questions map[askKey]*question
	senders   map[famKey]*sender

	// interest maps a canonical name to the browsers whose results
	// depend on its records; dirty collects browsers to recompute.
	interest map[string][]watcher
	dirty    map[*browser]bool

	// relays are sources that forward other links' records
	// (querier_relays.go), with when they last did.
	relays map[netip.Addr]time.Time
}

func newQuerier(c *Conn) *querier {
	return &querier{
		c:         c,
		cache:     newCache(c.cfg.maxCache()),
		questions: make(map[askKey]*question),
		senders:   make(map[famKey]*sender),
		interest:  make(map[string][]watcher),
		dirty:     make(map[*browser]bool),
		relays:    make(map[netip.Addr]time.Time),
	}
}

// handleQuery watches other hosts' queries: duplicate question suppression
// (§7.3) and passive observation of failures (§10.5). Our own echoes and
// legacy unicast queries (answered to their sender, so we never see the
// answers) tell us nothing.
func (q *querier) handleQuery(in *inMsg) {
	if in.own || int(in.src.Port()) != q.c.port || q.isRelay(in.src.Addr()) {
		return
	}
	q.recordQuestions(in)
	ka := make(map[string]bool, len(in.msg.Answer))
	for _, rr := range in.msg.Answer {
		ka[rrID(rr)] = true
	}
	q.observeQuery(in, ka)
	q.settle()
}

// handleResponse caches the answers of a response (§10) and updates
// browsers. Echoes of our own responses are cached too, while something is
// browsed: our browser must see our own services. A Conn that only
// publishes does not keep a copy of everything it publishes (a later
// browse asks, and the echo of the answer is cached then).
func (q *querier) handleResponse(in *inMsg) {
	if !in.own {
		q.noteRelay(in)
	} else if len(q.interest) == 0 {
		return
	}
	q.storeResponse(in)
	q.settle()
}

func (q *querier) ifaceUp(ifi *ifaceState) { q.reconcileSenders() }

// ifaceChanged restarts querying on an interface whose addresses
// changed: it may now be on another link, where the backed-off schedule
// (up to an hour between queries) would find nothing for a long time. As
// on a new interface, the first query goes after 20–120 ms (RFC 6762
// §5.2; §8.3 treats a link change as a new start).
func (q *querier) ifaceChanged(ifi *ifaceState) {
	for fk, s := range q.senders {
		if fk.ifIndex == ifi.Index {
			q.c.cancel(s.task)
			delete(q.senders, fk)
		}
	}
	q.reconcileSenders()
}

// ifaceDown forgets the interface's records at once: they describe a link
// we are no longer on.
func (q *querier) ifaceDown(ifi *ifaceState) {
	q.dropIfaceRecords(ifi.Index)
	q.reconcileSenders()
	q.settle()
}

// watched reports whether some browser depends on name's records.
func (q *querier) watched(name string) bool { return len(q.interest[name]) > 0 }

// watcher is a browser's interest in a name: how many of its instances
// (or itself) depend on it. A name has few watchers: a slice.
type watcher struct {
	b *browser
	n int
}

// watch and unwatch count a browser's interest in a canonical name.
func (q *querier) watch(b *browser, name string) {
	ws := q.interest[name]
	for i := range ws {
		if ws[i].b == b {
			ws[i].n++
			return
		}
	}
	q.interest[name] = append(ws, watcher{b, 1})
}

func (q *querier) unwatch(b *browser, name string) {
	ws := q.interest[name]
	for i := range ws {
		if ws[i].b != b {
			continue
		}
		if ws[i].n--; ws[i].n > 0 {
			return
		}
		ws = slices.Delete(ws, i, i+1)
		if len(ws) == 0 {
			delete(q.interest, name)
		} else {
			q.interest[name] = ws
		}
		return
	}
}

// touchEntry tells the browsers interested in e's name that one of its
// records came, changed or went.
func (q *querier) touchEntry(e *cacheEntry) {
	for _, w := range q.interest[e.key.name] {
		w.b.touch(e.key.name, e.target)
		q.dirty[w.b] = true
	}
}

// settle recomputes the browsers whose records changed and queues their
// events. It runs at the end of every loop action that can change the
// cache.
func (q *querier) settle() {
	for len(q.dirty) > 0 {
		for b := range q.dirty {
			delete(q.dirty, b)
			b.settle()
		}
	}
}

// ptrTargets returns the targets of the PTR records at name over all
// interfaces: canonical name → presentation name.
func (q *querier) ptrTargets(name string) map[string]string {
	out := make(map[string]string)
	q.all(name, dnsmsg.TypePTR, func(e *cacheEntry) {
		if p, ok := e.rr.(*dnsmsg.PTR); ok {
			out[canonical(p.Ptr)] = p.Ptr
		}
	})
	return out
}

// ptrTo returns the presentation name of target if a PTR record at owner
// (on any interface) names it.
func (q *querier) ptrTo(owner, target string) (string, bool) {
	for _, e := range q.cache.byTarget[target] {
		if e.key.name == owner {
			return e.rr.(*dnsmsg.PTR).Ptr, true
		}
	}
	return "", false
}
