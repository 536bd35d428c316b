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
//     of the first packet that carried it. When the cache is full, each
//     source is entitled to a share of it (the bound divided by the
//     number of sources). A source holding its share pays for its
//     newcomers with its own records; any other source's newcomer takes
//     the place of a record of the source that holds the most. One host
//     flooding the link churns through its own records and leaves
//     everyone else's alone.
//   - Records a running browse has resolved — the PTR naming an
//     instance it reported, the instance's SRV, TXT and NSEC, and its
//     host's addresses — are protected: they are not evicted to make
//     room (a flood from many spoofed addresses included), unless their
//     source holds more than half the cache, and then only for another
//     source's newcomer: no host keeps the others out for long by having
//     its records resolved. When nothing may be evicted, the newcomer is
//     dropped. Protected records still go when their owner says
//     goodbye, when they expire, when a cache-flush record replaces them
//     (§10.2) and when their host falls silent (§10.5).
//   - Among the records of a source, the one that would expire soonest
//     goes first; a newcomer that would expire sooner still is dropped
//     instead.
//
// So a host with a few services keeps them through any flood, and one
// with many keeps at least half the cache.
// What a browse loses anyway is asked for again at once (querier_store.go).

// sourceKey identifies who sent a record: the source address, without a
// zone, on the interface it arrived on.
type sourceKey struct {
	ifIndex int
	addr    netip.Addr
}

// source is one sender's part of the cache.
type source struct {
	key    sourceKey
	count  int                  // entries it owns
	free   idxHeap[*cacheEntry] // the unprotected ones, soonest expiry first
	pinned idxHeap[*cacheEntry] // the protected ones, soonest expiry first
	hidx   int                  // index in evictPolicy.hogs
	fidx   int                  // index in evictPolicy.freeHogs; -1 while free is empty
}

func (s *source) heapOf(e *cacheEntry) *idxHeap[*cacheEntry] {
	if e.protected {
		return &s.pinned
	}
	return &s.free
}

// evictPolicy is the cache's eviction state.
type evictPolicy struct {
	sources  map[sourceKey]*source
	hogs     idxHeap[*source] // every source, most entries first
	freeHogs idxHeap[*source] // the sources with unprotected entries, most entries first
	// pins counts, per canonical name, the resolved instances of running
	// browses that depend on the records of that name (an instance name,
	// its host name) or on PTR records naming it.
	pins map[string]int
}

func newEvictPolicy() evictPolicy {
	return evictPolicy{
		sources:  make(map[sourceKey]*source),
		pins:     make(map[string]int),
		hogs:     idxHeap[*source]{less: moreRecords, at: func(s *source) *int { return &s.hidx }},
		freeHogs: idxHeap[*source]{less: moreRecords, at: func(s *source) *int { return &s.fidx }},
	}
}

// sourceFor returns the source for key, creating it (empty) if needed.
func (c *cache) sourceFor(key sourceKey) *source {
	s := c.sources[key]
	if s == nil {
		s = &source{key: key, hidx: -1, fidx: -1, free: entryHeap(), pinned: entryHeap()}
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
		if s.fidx >= 0 {
			heap.Remove(&c.freeHogs, s.fidx)
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
	ownFree := func() *cacheEntry {
		if src.free.Len() > 0 && !expiresBefore(newcomer, src.free.items[0]) {
			return src.free.items[0]
		}
		return nil
	}
	if src.count >= c.share() {
		return ownFree() // at its share: it pays with its own records
	}
	if h := largestOther(&c.freeHogs, src); h != nil {
		return h.free.items[0]
	}
	if h := c.hogs.items[0]; h != src && h.count > c.maxTotal/2 && h.pinned.Len() > 0 {
		return h.pinned.items[0] // more than half the cache: protection or not
	}
	return ownFree()
}

// own adds a new entry (with e.src set) to its source's accounts.
func (c *cache) own(e *cacheEntry) {
	s := e.src
	s.count++
	e.protected = c.pinned(e)
	heap.Push(s.heapOf(e), e)
	c.fixHog(s)
}

// disown removes a departing entry from its source's accounts.
func (c *cache) disown(e *cacheEntry) {
	s := e.src
	heap.Remove(s.heapOf(e), e.hidx)
	e.hidx = -1
	s.count--
	c.fixHog(s)
	c.release(s)
}

// expiryChanged keeps e's place in its source's heap after its expiry
// time moved.
func (c *cache) expiryChanged(e *cacheEntry) {
	if e.hidx >= 0 {
		heap.Fix(e.src.heapOf(e), e.hidx)
	}
}

func (c *cache) fixHog(s *source) {
	switch {
	case s.count == 0 && s.hidx >= 0:
		heap.Remove(&c.hogs, s.hidx)
	case s.count > 0 && s.hidx < 0:
		heap.Push(&c.hogs, s)
	case s.count > 0:
		heap.Fix(&c.hogs, s.hidx)
	}
	switch {
	case s.free.Len() == 0 && s.fidx >= 0:
		heap.Remove(&c.freeHogs, s.fidx)
	case s.free.Len() > 0 && s.fidx < 0:
		heap.Push(&c.freeHogs, s)
	case s.free.Len() > 0:
		heap.Fix(&c.freeHogs, s.fidx)
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
	if p == e.protected || e.hidx < 0 {
		return
	}
	heap.Remove(e.src.heapOf(e), e.hidx)
	e.protected = p
	heap.Push(e.src.heapOf(e), e)
	c.fixHog(e.src)
}

// idxHeap is a binary heap (container/heap) of items that keep their own
// index in it, so that they can be removed or fixed in place.
type idxHeap[T any] struct {
	items []T
	less  func(a, b T) bool
	at    func(T) *int // the item's index field; -1 outside the heap
}

func (h *idxHeap[T]) Len() int           { return len(h.items) }
func (h *idxHeap[T]) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h *idxHeap[T]) Swap(i, j int) {
	h.items[i], h.items[j] = h.items[j], h.items[i]
	*h.at(h.items[i]), *h.at(h.items[j]) = i, j
}
func (h *idxHeap[T]) Push(x any) {
	t := x.(T)
	*h.at(t) = len(h.items)
	h.items = append(h.items, t)
}
func (h *idxHeap[T]) Pop() any {
	n := len(h.items) - 1
	t := h.items[n]
	var zero T
	h.items[n] = zero
	h.items = h.items[:n]
	*h.at(t) = -1
	return t
}

// entryHeap orders entries of a source, soonest expiry first.
func entryHeap() idxHeap[*cacheEntry] {
	return idxHeap[*cacheEntry]{less: expiresBefore, at: func(e *cacheEntry) *int { return &e.hidx }}
}

// moreRecords orders sources by how much they hold, most first; ties go
// to the one with more unprotected entries.
func moreRecords(a, b *source) bool {
	if a.count != b.count {
		return a.count > b.count
	}
	return a.free.Len() > b.free.Len()
}

// largestOther is the source of h (ordered by moreRecords) that holds the
// most, other than not; nil if there is none.
func largestOther(h *idxHeap[*source], not *source) *source {
	it := h.items
	switch {
	case len(it) == 0:
		return nil
	case it[0] != not:
		return it[0]
	case len(it) == 1:
		return nil
	case len(it) == 2 || !moreRecords(it[2], it[1]):
		return it[1]
	}
	return it[2]
}
