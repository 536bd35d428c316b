package mdns

import (
	"container/heap"
	"time"

	"github.com/miekg/dns"
)

// The querier's cache holds every record of class IN heard in responses on
// a served interface (RFC 6762 §10): answers to our queries, to other
// hosts' queries and unsolicited announcements alike, which is how a browser
// learns of a new service within one announcement. Records belong to the
// interface they were heard on; IPv4 and IPv6 packets on one interface share
// its records.
//
// Everything is bounded: MaxCacheRecords in total and perNameLimit per owner
// name. When full, the entry that would expire soonest goes first (a new
// record that would expire sooner than every candidate is not stored).

const (
	// maxCacheTTL clamps received TTLs: RFC 6762 §10 recommends 75 minutes
	// for records without a host name, the longest TTL a well-behaved
	// responder uses. A longer one only lets a broken or hostile responder
	// pin entries in the cache.
	maxCacheTTL = 75 * time.Minute
	// goodbyeDelay: a record received with TTL 0 is deleted one second
	// later (RFC 6762 §10.1).
	goodbyeDelay = time.Second
	// flushGrace: a cache-flush record makes the other records of its
	// RRset expire one second later unless they were received within the
	// last second (RFC 6762 §10.2).
	flushGrace = time.Second
	// minPerName is the smallest per-name bound; see perNameLimit.
	minPerName = 64
)

// perNameLimit bounds the records of one owner name (all types and
// interfaces together). A service type's PTR set legitimately holds one
// record per instance on the link, so the bound scales with the cache: a
// sixteenth of it, at least 64 (256 with the default 4096).
func perNameLimit(maxTotal int) int { return max(minPerName, maxTotal/16) }

// cacheKey identifies an RRset on one interface. name is canonical.
type cacheKey struct {
	ifIndex int
	name    string
	typ     uint16
}

// cacheEntry is one cached record.
type cacheEntry struct {
	key      cacheKey
	rr       dns.RR // class IN without the cache-flush bit, TTL as clamped
	rdata    string // canonical RDATA: the record's identity within its RRset
	ifName   string
	v6       bool  // family it was last heard on; refresh queries go there
	fams     uint8 // families it was heard on (famBit); see knownAnswers
	received time.Time
	ttl      time.Duration
	expires  time.Time
	jitter   int32 // random part of the refresh points, see refreshSteps
	step     int   // next refresh point (0–3); refreshSteps: only expiry is left
	task     *task // next refresh point or expiry
	hidx     int   // index in the expiry heap

	// RFC 6762 §10.5 (POOF): unanswered queries from others seen for it.
	poofN     int
	poofFirst time.Time
	poofTask  *task
	reconfirm bool // condemned by POOF and asked for again: not a known answer
}

func (e *cacheEntry) remaining(now time.Time) time.Duration { return e.expires.Sub(now) }

// famBit is a family's bit in cacheEntry.fams.
func famBit(v6 bool) uint8 {
	if v6 {
		return 2
	}
	return 1
}

// heardOn reports whether e was heard over the given family.
func (e *cacheEntry) heardOn(v6 bool) bool { return e.fams&famBit(v6) != 0 }

// nameSet groups the RRsets of one canonical owner name.
type nameSet struct {
	count int
	sets  map[cacheKey][]*cacheEntry
}

// cache is owned by the querier and lives on the loop goroutine.
type cache struct {
	maxTotal int
	perName  int
	total    int
	names    map[string]*nameSet
	heap     entryHeap
}

func newCache(maxTotal int) cache {
	return cache{maxTotal: maxTotal, perName: perNameLimit(maxTotal), names: make(map[string]*nameSet)}
}

// lookup returns the RRset of key; the slice must not be modified.
func (c *cache) lookup(key cacheKey) []*cacheEntry {
	ns := c.names[key.name]
	if ns == nil {
		return nil
	}
	return ns.sets[key]
}

// byName calls fn for every RRset of name on interface ifIndex.
func (c *cache) byName(ifIndex int, name string, fn func(key cacheKey, set []*cacheEntry)) {
	ns := c.names[name]
	if ns == nil {
		return
	}
	for k, set := range ns.sets {
		if k.ifIndex == ifIndex {
			fn(k, set)
		}
	}
}

func (c *cache) find(key cacheKey, rdata string) *cacheEntry {
	for _, e := range c.lookup(key) {
		if e.rdata == rdata {
			return e
		}
	}
	return nil
}

func (c *cache) add(e *cacheEntry) {
	ns := c.names[e.key.name]
	if ns == nil {
		ns = &nameSet{sets: make(map[cacheKey][]*cacheEntry)}
		c.names[e.key.name] = ns
	}
	ns.sets[e.key] = append(ns.sets[e.key], e)
	ns.count++
	c.total++
	heap.Push(&c.heap, e)
}

func (c *cache) remove(e *cacheEntry) {
	ns := c.names[e.key.name]
	if ns == nil || e.hidx < 0 {
		return
	}
	set := ns.sets[e.key]
	for i, x := range set {
		if x == e {
			set = append(set[:i], set[i+1:]...)
			break
		}
	}
	if len(set) == 0 {
		delete(ns.sets, e.key)
	} else {
		ns.sets[e.key] = set
	}
	ns.count--
	if ns.count == 0 {
		delete(c.names, e.key.name)
	}
	c.total--
	heap.Remove(&c.heap, e.hidx)
}

// victim picks the entry to evict so that a record of name fits: the
// soonest-expiring record of that name when the name is at its bound,
// otherwise the soonest-expiring record overall; nil if there is room.
func (c *cache) victim(name string) *cacheEntry {
	if ns := c.names[name]; ns != nil && ns.count >= c.perName {
		var v *cacheEntry
		for _, set := range ns.sets {
			for _, e := range set {
				if v == nil || expiresBefore(e, v) {
					v = e
				}
			}
		}
		return v
	}
	if c.total >= c.maxTotal && len(c.heap) > 0 {
		return c.heap[0]
	}
	return nil
}

func expiresBefore(a, b *cacheEntry) bool {
	if !a.expires.Equal(b.expires) {
		return a.expires.Before(b.expires)
	}
	return a.received.Before(b.received)
}

// entryHeap orders entries by expiry, soonest first.
type entryHeap []*cacheEntry

func (h entryHeap) Len() int           { return len(h) }
func (h entryHeap) Less(i, j int) bool { return expiresBefore(h[i], h[j]) }
func (h entryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}
func (h *entryHeap) Push(x any) {
	e := x.(*cacheEntry)
	e.hidx = len(*h)
	*h = append(*h, e)
}
func (h *entryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	old[len(old)-1] = nil
	e.hidx = -1
	*h = old[:len(old)-1]
	return e
}
