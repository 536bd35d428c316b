package mdns

import (
	"container/heap"
	"net/netip"
)

// What gives way when the cache is full. RFC 6762 leaves the policy to the
// implementation; anyone on the link can send us records (§21), so it
// must hold against a host that floods us with distinct records:
//
//   - Every record is owned by its source: the address (and interface)
//     of the first packet that carried it. When the cache is full, a
//     source holding at least its share (the bound divided by the number
//     of sources) pays for its newcomers with its own records; any other
//     source's newcomer takes the place of a record of the source that
//     holds the most evictable ones. One host flooding the link churns
//     through its own records and leaves everyone else's alone.
//   - Records a running browse has resolved — the PTR naming an
//     instance it reported, the instance's SRV, TXT and NSEC, and its
//     host's addresses — are protected: they are never evicted to make
//     room, whoever sends the newcomer (a flood from many spoofed
//     addresses included). When only protected records are left to
//     evict, the newcomer is dropped. They still go when their owner
//     says goodbye, when they expire, when a cache-flush record replaces
//     them (§10.2) and when their host falls silent (§10.5).
//   - Among a source's evictable records, the one that would expire
//     soonest goes first; a newcomer that would expire sooner still is
//     dropped instead.
//
// What a browse loses anyway is asked for again at once (cache_store.go).

// sourceKey identifies who sent a record: the source address, without a
// zone, on the interface it arrived on.
type sourceKey struct {
	ifIndex int
	addr    netip.Addr
}

// source is one sender's part of the cache.
type source struct {
	key   sourceKey
	count int       // entries it owns
	free  entryHeap // the evictable ones, soonest expiry first
	hidx  int       // index in evictPolicy.hogs; -1 while free is empty
}

// evictPolicy is the cache's eviction state.
type evictPolicy struct {
	sources map[sourceKey]*source
	hogs    sourceHeap // sources with evictable entries, most entries first
	// pins counts, per canonical name, the resolved instances of running
	// browses that depend on the records of that name (an instance name,
	// its host name) or on PTR records naming it.
	pins map[string]int
}

func newEvictPolicy() evictPolicy {
	return evictPolicy{sources: make(map[sourceKey]*source), pins: make(map[string]int)}
}

// sourceFor returns the source for key, creating it (empty) if needed.
func (c *cache) sourceFor(key sourceKey) *source {
	s := c.sources[key]
	if s == nil {
		s = &source{key: key, hidx: -1}
		c.sources[key] = s
	}
	return s
}

// release forgets a source that owns nothing.
func (c *cache) release(s *source) {
	if s.count == 0 && c.sources[s.key] == s {
		delete(c.sources, s.key)
		if s.hidx >= 0 {
			heap.Remove(&c.hogs, s.hidx)
		}
	}
}

// share is what one source may hold in a full cache.
func (c *cache) share() int { return c.maxTotal / max(1, len(c.sources)) }

// victim returns the entry to evict so that newcomer (from newcomer.src)
// fits, or nil when the newcomer must be dropped. It is only asked when
// the cache is full.
func (c *cache) victim(newcomer *cacheEntry) *cacheEntry {
	src := newcomer.src
	if src.count < c.share() && len(c.hogs) > 0 && c.hogs[0] != src {
		return c.hogs[0].free[0]
	}
	if len(src.free) == 0 {
		return nil
	}
	if v := src.free[0]; !expiresBefore(newcomer, v) {
		return v
	}
	return nil
}

// own adds a new entry (with e.src set) to its source's accounts.
func (c *cache) own(e *cacheEntry) {
	e.src.count++
	e.hidx = -1
	e.protected = c.pinned(e)
	if !e.protected {
		heap.Push(&e.src.free, e)
	}
	c.fixHog(e.src)
}

// disown removes a departing entry from its source's accounts.
func (c *cache) disown(e *cacheEntry) {
	s := e.src
	if e.hidx >= 0 {
		heap.Remove(&s.free, e.hidx)
	}
	s.count--
	c.fixHog(s)
	c.release(s)
}

// expiryChanged keeps e's place in its source's heap after its expiry
// time moved.
func (c *cache) expiryChanged(e *cacheEntry) {
	if e.hidx >= 0 {
		heap.Fix(&e.src.free, e.hidx)
	}
}

func (c *cache) fixHog(s *source) {
	switch {
	case len(s.free) == 0 && s.hidx >= 0:
		heap.Remove(&c.hogs, s.hidx)
	case len(s.free) > 0 && s.hidx < 0:
		heap.Push(&c.hogs, s)
	case len(s.free) > 0:
		heap.Fix(&c.hogs, s.hidx)
	}
}

// pinned reports whether a running browse depends on e.
func (c *cache) pinned(e *cacheEntry) bool {
	if e.target != "" {
		return c.pins[e.target] > 0
	}
	return c.pins[e.key.name] > 0
}

// pin and unpin count a resolved instance's dependence on name.
func (c *cache) pin(name string) {
	if c.pins[name]++; c.pins[name] == 1 {
		c.reprotect(name)
	}
}

func (c *cache) unpin(name string) {
	n, ok := c.pins[name]
	if !ok {
		return
	}
	if n <= 1 {
		delete(c.pins, name)
		c.reprotect(name)
		return
	}
	c.pins[name] = n - 1
}

// reprotect updates the entries whose protection depends on name.
func (c *cache) reprotect(name string) {
	if ns := c.names[name]; ns != nil {
		for _, s := range ns.sets {
			for _, e := range s.list {
				c.setProtected(e)
			}
		}
	}
	for _, e := range c.byTarget[name] {
		c.setProtected(e)
	}
}

func (c *cache) setProtected(e *cacheEntry) {
	p := c.pinned(e)
	if p == e.protected {
		return
	}
	e.protected = p
	if p {
		heap.Remove(&e.src.free, e.hidx)
	} else {
		heap.Push(&e.src.free, e)
	}
	c.fixHog(e.src)
}

// entryHeap orders a source's evictable entries, soonest expiry first.
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

// sourceHeap orders sources by how much they hold, most first; ties go to
// the one with more evictable entries.
type sourceHeap []*source

func (h sourceHeap) Len() int { return len(h) }
func (h sourceHeap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count > h[j].count
	}
	return len(h[i].free) > len(h[j].free)
}
func (h sourceHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].hidx, h[j].hidx = i, j
}
func (h *sourceHeap) Push(x any) {
	s := x.(*source)
	s.hidx = len(*h)
	*h = append(*h, s)
}
func (h *sourceHeap) Pop() any {
	old := *h
	s := old[len(old)-1]
	old[len(old)-1] = nil
	s.hidx = -1
	*h = old[:len(old)-1]
	return s
}
