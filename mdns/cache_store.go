package mdns

import (
	"container/heap"
	"time"

	"github.com/miekg/dns"
)

// refreshSteps are the points, in percent of the TTL, at which a record
// someone is watching is queried again before it expires (RFC 6762 §5.2:
// 80 %, 85 %, 90 % and 95 %, each plus a random 0–2 % so that queriers
// do not all ask at once). At 100 % an unrefreshed record is gone.
var refreshSteps = [...]int{80, 85, 90, 95}

const refreshJitterPercent = 2

// clampTTL turns a received TTL into the lifetime we cache it for.
func clampTTL(ttl uint32) time.Duration {
	return min(time.Duration(ttl)*time.Second, maxCacheTTL)
}

// storeResponse caches the records of a response heard on in.ifi.
func (q *querier) storeResponse(in *inMsg) {
	now := time.Now()
	var flush map[cacheKey]bool
	for _, sec := range [...][]dns.RR{in.msg.Answer, in.msg.Extra} {
		for _, rr := range sec {
			h := rr.Header()
			if h.Rrtype == dns.TypeOPT || classOf(rr) != dns.ClassINET {
				continue // only class IN is mDNS data (RFC 6762 §10.2 reuses the top bit)
			}
			key := q.store(in, rr, now)
			if key != nil && isCacheFlush(rr) && h.Ttl > 0 {
				if flush == nil {
					flush = make(map[cacheKey]bool)
				}
				flush[*key] = true
			}
		}
	}
	// RFC 6762 §10.2: a record with the cache-flush bit replaces the rest
	// of its RRset, but records received within the last second belong to
	// the same burst of answers and stay; the others expire in one second
	// rather than at once, in case they are still being announced.
	for key := range flush {
		for _, e := range q.cache.lookup(key) {
			if now.Sub(e.received) > flushGrace && e.expires.After(now.Add(flushGrace)) {
				q.setExpiry(e, now.Add(flushGrace))
			}
		}
	}
}

// store caches one record and returns its RRset's key, nil if it was
// dropped.
func (q *querier) store(in *inMsg, rr dns.RR, now time.Time) *cacheKey {
	h := rr.Header()
	rd := rdata(rr, true)
	if rd == nil {
		return nil
	}
	key := cacheKey{ifIndex: in.ifi.Index, name: canonical(h.Name), typ: h.Rrtype}
	e := q.cache.find(key, string(rd))
	if h.Ttl == 0 {
		// RFC 6762 §10.1: a goodbye; the record goes one second later.
		if e != nil && e.expires.After(now.Add(goodbyeDelay)) {
			q.setExpiry(e, now.Add(goodbyeDelay))
		}
		return &key
	}
	ttl := clampTTL(h.Ttl)
	clean := withTTL(rr, uint32(ttl/time.Second), false)
	if e != nil {
		changed := !sameNames(e.rr, clean)
		e.rr, e.v6, e.received, e.ttl = clean, in.v6, now, ttl
		e.expires = now.Add(ttl)
		heap.Fix(&q.cache.heap, e.hidx)
		q.poofReset(e)
		e.step = 0
		q.scheduleEntry(e)
		if changed {
			q.touch(key.name)
		}
		return &key
	}
	e = &cacheEntry{
		key: key, rr: clean, rdata: string(rd), ifName: in.ifi.Name, v6: in.v6,
		received: now, ttl: ttl, expires: now.Add(ttl), hidx: -1,
	}
	for {
		v := q.cache.victim(key.name)
		if v == nil {
			break
		}
		q.c.stats.evictions.Add(1)
		if expiresBefore(e, v) {
			return nil // the newcomer would expire first: it loses
		}
		q.dropEntry(v)
	}
	q.cache.add(e)
	q.scheduleEntry(e)
	q.touch(key.name)
	return &key
}

// sameNames reports whether two records that compare equal also spell
// their names the same way (case is kept for presentation).
func sameNames(a, b dns.RR) bool {
	return a.Header().Name == b.Header().Name && string(rdata(a, false)) == string(rdata(b, false))
}

// scheduleEntry arms e's task for its next refresh point or its expiry.
func (q *querier) scheduleEntry(e *cacheEntry) {
	q.c.cancel(e.task)
	at := e.expires
	if e.step < len(refreshSteps) {
		pct := time.Duration(refreshSteps[e.step])
		at = e.received.Add(e.ttl * pct / 100).Add(q.c.jitter(0, e.ttl*refreshJitterPercent/100))
	}
	e.task = q.c.after(at.Sub(time.Now()), func() { q.entryDue(e) })
}

func (q *querier) entryDue(e *cacheEntry) {
	e.task = nil
	if e.step >= len(refreshSteps) {
		q.dropEntry(e)
		q.settle()
		return
	}
	e.step++
	// RFC 6762 §5.2: refresh only what someone is interested in.
	if q.watched(e.key.name) {
		q.requestRefresh(e)
	}
	q.scheduleEntry(e)
}

// setExpiry brings e's expiry forward to at (goodbye, cache flush).
func (q *querier) setExpiry(e *cacheEntry, at time.Time) {
	e.expires = at
	e.step = len(refreshSteps)
	heap.Fix(&q.cache.heap, e.hidx)
	q.scheduleEntry(e)
}

// dropEntry removes e from the cache and tells the browsers.
func (q *querier) dropEntry(e *cacheEntry) {
	q.c.cancel(e.task)
	q.c.cancel(e.poofTask)
	e.task, e.poofTask = nil, nil
	q.cache.remove(e)
	q.touch(e.key.name)
}

// dropIface forgets every record heard on interface ifIndex.
func (q *querier) dropIfaceRecords(ifIndex int) {
	var doomed []*cacheEntry
	for _, ns := range q.cache.names {
		for k, set := range ns.sets {
			if k.ifIndex == ifIndex {
				doomed = append(doomed, set...)
			}
		}
	}
	for _, e := range doomed {
		q.dropEntry(e)
	}
}

// knownAnswers returns the records to list in a query for (name, typ) on
// an interface: RFC 6762 §7.1, those with more than half their TTL left,
// with their remaining TTL. ids receives their identities.
func (q *querier) knownAnswers(ifIndex int, name string, typ uint16, now time.Time, ids map[string]bool) []dns.RR {
	var out []dns.RR
	add := func(set []*cacheEntry) {
		for _, e := range set {
			left := e.remaining(now)
			if left*2 <= e.ttl {
				continue
			}
			out = append(out, withTTL(e.rr, uint32(left/time.Second), false))
			if ids != nil {
				ids[recordID(e.key.name, e.key.typ, e.rdata)] = true
			}
		}
	}
	if typ == dns.TypeANY {
		q.cache.byName(ifIndex, name, func(_ cacheKey, set []*cacheEntry) { add(set) })
	} else {
		add(q.cache.lookup(cacheKey{ifIndex: ifIndex, name: name, typ: typ}))
	}
	return out
}

// recordID identifies a record across messages: canonical name, type and
// canonical RDATA.
func recordID(name string, typ uint16, rdata string) string {
	return name + "\x00" + string([]byte{byte(typ >> 8), byte(typ)}) + rdata
}

func rrID(rr dns.RR) string {
	return recordID(canonical(rr.Header().Name), rr.Header().Rrtype, string(rdata(rr, true)))
}

// latest returns the most recently received record of (name, typ) over all
// interfaces, nil if none is cached.
func (q *querier) latest(name string, typ uint16) *cacheEntry {
	var best *cacheEntry
	ns := q.cache.names[name]
	if ns == nil {
		return nil
	}
	for k, set := range ns.sets {
		if k.typ != typ {
			continue
		}
		for _, e := range set {
			if best == nil || e.received.After(best.received) ||
				e.received.Equal(best.received) && e.expires.After(best.expires) {
				best = e
			}
		}
	}
	return best
}

// all calls fn for every record of (name, typ) over all interfaces.
func (q *querier) all(name string, typ uint16, fn func(e *cacheEntry)) {
	ns := q.cache.names[name]
	if ns == nil {
		return
	}
	for k, set := range ns.sets {
		if k.typ == typ {
			for _, e := range set {
				fn(e)
			}
		}
	}
}
