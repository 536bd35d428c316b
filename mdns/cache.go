package mdns

import (
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// The querier's cache holds every record of class IN heard in responses on
// a served interface (RFC 6762 §10): answers to our queries, to other
// hosts' queries and unsolicited announcements alike, which is how a browser
// learns of a new service within one announcement. Records belong to the
// interface they were heard on; IPv4 and IPv6 packets on one interface share
// its records.
//
// It is bounded (MaxCacheRecords in total); what gives way when it is full
// is cache_evict.go's policy. Every lookup the engine makes per packet is
// by key, so an RRset of thousands of records (the PTR set of a busy
// service type) costs no more per record than a small one.

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
	// rrsetIndexMin is the size from which an RRset also indexes its
	// records by RDATA; smaller ones are searched in order.
	rrsetIndexMin = 8
)

// cacheKey identifies an RRset on one interface. name is canonical.
type cacheKey struct {
	ifIndex int
	name    string
	typ     uint16
}

// cacheEntry is one cached record.
type cacheEntry struct {
	key      cacheKey
	rr       dnsmsg.RR // class IN without the cache-flush bit, TTL as clamped
	rdata    string    // canonical RDATA: the record's identity within its RRset
	target   string    // PTR: canonical target; "" for other types
	ifName   string
	v6       bool  // family it was last heard on; refresh queries go there
	fams     uint8 // families it was heard on (famBit); see knownAnswers
	received time.Time
	ttl      time.Duration
	expires  time.Time
	jitter   int32 // random part of the refresh points, see refreshSteps
	step     int   // next refresh point (0–3); refreshSteps: only expiry is left
	task     *task // next refresh point or expiry
	sidx     int   // index in its RRset's list; -1 once removed

	// Eviction (cache_evict.go): the source that first sent it, whether a
	// running browse depends on it, and its place in the source's heap of
	// evictable entries (-1 when protected or removed).
	src       *source
	protected bool
	hidx      int

	// RFC 6762 §10.5 (POOF): unanswered queries from others seen for
	// it; nil until there is one.
	poof      *poofState
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

// rrset is the records of one cacheKey, in a stable order; large sets
// also index them by RDATA.
type rrset struct {
	key     cacheKey
	list    []*cacheEntry
	byRdata map[string]*cacheEntry
}

// nameSet groups the RRsets of one canonical owner name: a few types on a
// few interfaces, so a slice.
type nameSet struct {
	count int
	sets  []*rrset
}

func (ns *nameSet) get(key cacheKey) *rrset {
	for _, s := range ns.sets {
		if s.key == key {
			return s
		}
	}
	return nil
}

// cache is owned by the querier and lives on the loop (Conn.mu held).
type cache struct {
	maxTotal int
	total    int
	names    map[string]*nameSet
	// byTarget indexes PTR entries by canonical target, so that a browser
	// learns which instance one PTR record changed without reading the
	// whole set, and protection can find the PTRs naming an instance.
	byTarget map[string][]*cacheEntry
	evictPolicy
}

func newCache(maxTotal int) cache {
	return cache{
		maxTotal:    maxTotal,
		names:       make(map[string]*nameSet),
		byTarget:    make(map[string][]*cacheEntry),
		evictPolicy: newEvictPolicy(),
	}
}

// lookup returns the RRset of key; the slice must not be modified.
func (c *cache) lookup(key cacheKey) []*cacheEntry {
	if s := c.set(key); s != nil {
		return s.list
	}
	return nil
}

func (c *cache) set(key cacheKey) *rrset {
	ns := c.names[key.name]
	if ns == nil {
		return nil
	}
	return ns.get(key)
}

// byName calls fn for every RRset of name on interface ifIndex.
func (c *cache) byName(ifIndex int, name string, fn func(key cacheKey, set []*cacheEntry)) {
	ns := c.names[name]
	if ns == nil {
		return
	}
	for _, set := range ns.sets {
		if set.key.ifIndex == ifIndex {
			fn(set.key, set.list)
		}
	}
}

func (c *cache) find(key cacheKey, rdata string) *cacheEntry {
	s := c.set(key)
	if s == nil {
		return nil
	}
	if s.byRdata != nil {
		return s.byRdata[rdata]
	}
	for _, e := range s.list {
		if e.rdata == rdata {
			return e
		}
	}
	return nil
}

func (c *cache) add(e *cacheEntry) {
	ns := c.names[e.key.name]
	if ns == nil {
		ns = &nameSet{}
		c.names[e.key.name] = ns
	}
	s := ns.get(e.key)
	if s == nil {
		s = &rrset{key: e.key}
		ns.sets = append(ns.sets, s)
	}
	e.sidx = len(s.list)
	s.list = append(s.list, e)
	switch {
	case s.byRdata != nil:
		s.byRdata[e.rdata] = e
	case len(s.list) >= rrsetIndexMin:
		s.byRdata = make(map[string]*cacheEntry, len(s.list))
		for _, x := range s.list {
			s.byRdata[x.rdata] = x
		}
	}
	if t := e.target; t != "" {
		c.byTarget[t] = append(c.byTarget[t], e)
	}
	ns.count++
	c.total++
	c.own(e)
}

func (c *cache) remove(e *cacheEntry) {
	ns := c.names[e.key.name]
	if ns == nil || e.sidx < 0 {
		return
	}
	s := ns.get(e.key)
	// Swap with the last: the order changes, deterministically.
	last := s.list[len(s.list)-1]
	s.list[e.sidx], last.sidx = last, e.sidx
	s.list[len(s.list)-1] = nil
	s.list = s.list[:len(s.list)-1]
	e.sidx = -1
	if s.byRdata != nil {
		delete(s.byRdata, e.rdata)
	}
	if len(s.list) == 0 {
		ns.sets = slices.DeleteFunc(ns.sets, func(x *rrset) bool { return x == s })
	}
	if t := e.target; t != "" {
		ps := c.byTarget[t]
		for i, x := range ps {
			if x == e {
				ps[i] = ps[len(ps)-1]
				ps[len(ps)-1] = nil
				ps = ps[:len(ps)-1]
				break
			}
		}
		if len(ps) == 0 {
			delete(c.byTarget, t)
		} else {
			c.byTarget[t] = ps
		}
	}
	ns.count--
	if ns.count == 0 {
		delete(c.names, e.key.name)
	}
	c.total--
	c.disown(e)
}

// expiresBefore orders entries by expiry, then by receipt: which of two
// records goes first.
func expiresBefore(a, b *cacheEntry) bool {
	if !a.expires.Equal(b.expires) {
		return a.expires.Before(b.expires)
	}
	return a.received.Before(b.received)
}
