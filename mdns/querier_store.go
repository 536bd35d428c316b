package mdns

import (
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// refreshSteps are the points, in percent of the TTL, at which a record
// someone is watching is queried again before it expires (RFC 6762 §5.2:
// 80 %, 85 %, 90 % and 95 %, each plus a random 0–2 % so that queriers
// do not all ask at once). At 100 % an unrefreshed record is gone.
//
// The random part is drawn once per response, not per record: the
// records that arrived together fall due together and their refresh
// questions share one query (§5.2 allows combining them), instead of
// each going out, and being answered, on its own.
var refreshSteps = [...]int{80, 85, 90, 95}

// refreshJitterScale is the unit of cacheEntry.jitter: 1/100000 of the
// TTL, so refreshJitterMax is 2 %.
const (
	refreshJitterScale = 100_000
	refreshJitterMax   = 2_000
)

// clampTTL turns a received TTL into the lifetime we cache it for.
func clampTTL(ttl uint32) time.Duration {
	return min(time.Duration(ttl)*time.Second, maxCacheTTL)
}

// storeResponse caches the records of a response heard on in.ifi.
func (q *querier) storeResponse(in *inMsg) {
	now := time.Now()
	jit := int32(q.c.rnd.Int64N(refreshJitterMax + 1))
	var flush map[cacheKey]bool
	for _, sec := range [...][]dnsmsg.RR{in.msg.Answer, in.msg.Extra} {
		for _, rr := range sec {
			h := rr.Header()
			if h.Type == dnsmsg.TypeOPT || classOf(rr) != dnsmsg.ClassINET {
				continue // only class IN is mDNS data (RFC 6762 §10.2 reuses the top bit)
			}
			key := q.store(in, rr, now, jit)
			if key != nil && isCacheFlush(rr) && h.TTL > 0 {
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
func (q *querier) store(in *inMsg, rr dnsmsg.RR, now time.Time, jit int32) *cacheKey {
	h := rr.Header()
	rd := rdata(rr, true)
	if rd == nil {
		return nil
	}
	key := cacheKey{ifIndex: in.ifi.Index, name: canonical(h.Name), typ: h.Type}
	e := q.cache.find(key, string(rd))
	if h.TTL == 0 {
		// RFC 6762 §10.1: a goodbye; the record goes one second later.
		if e != nil && e.expires.After(now.Add(goodbyeDelay)) {
			q.setExpiry(e, now.Add(goodbyeDelay))
		}
		return &key
	}
	ttl := clampTTL(h.TTL)
	clean := withTTL(rr, uint32(ttl/time.Second), false)
	if e != nil {
		changed := !sameNames(e.rr, clean)
		e.rr, e.v6, e.received, e.ttl, e.jitter = clean, in.v6, now, ttl, jit
		e.fams |= famBit(in.v6)
		e.expires = now.Add(ttl)
		q.cache.expiryChanged(e)
		q.poofReset(e)
		e.step = 0
		q.scheduleEntry(e)
		if changed {
			q.touchEntry(e)
		}
		return &key
	}
	e = &cacheEntry{
		key: key, rr: clean, rdata: string(rd), ifName: in.ifi.Name, v6: in.v6, fams: famBit(in.v6),
		received: now, ttl: ttl, expires: now.Add(ttl), jitter: jit, sidx: -1, hidx: -1,
		src: q.cache.sourceFor(sourceKey{ifIndex: in.ifi.Index, addr: in.src.Addr().WithZone("")}),
	}
	if p, ok := clean.(*dnsmsg.PTR); ok {
		e.target = canonical(p.Ptr)
	}
	for q.cache.total >= q.cache.maxTotal {
		v := q.cache.victim(e)
		if v == nil {
			q.c.stats.cacheDropped.Add(1)
			q.cache.release(e.src)
			return nil
		}
		q.evict(v, v.src != e.src)
	}
	q.cache.add(e)
	q.scheduleEntry(e)
	q.touchEntry(e)
	return &key
}

// evict makes room in a full cache. A record someone browses for that
// gave way to another source's newcomer is asked for again at once
// (RFC 6762 §5.2: a browse keeps asking for what it still needs): it is
// not gone from the link, only from our cache. A source that pushes out
// its own records by sending more is not asked to send them again.
func (q *querier) evict(v *cacheEntry, forOther bool) {
	q.c.stats.evictions.Add(1)
	q.dropEntry(v)
	if forOther && q.watched(v.key.name) {
		q.reask(v.key.ifIndex, rrKey{name: v.key.name, typ: v.key.typ})
	}
}

// sameNames reports whether two records that compare equal also spell
// their names the same way (case is kept for presentation).
func sameNames(a, b dnsmsg.RR) bool {
	return a.Header().Name == b.Header().Name && string(rdata(a, false)) == string(rdata(b, false))
}

// scheduleEntry arms e's task for its next refresh point or its expiry.
func (q *querier) scheduleEntry(e *cacheEntry) {
	q.c.cancel(e.task)
	at := e.expires
	if e.step < len(refreshSteps) {
		pct := time.Duration(refreshSteps[e.step])
		at = e.received.Add(e.ttl * pct / 100).Add(e.ttl * time.Duration(e.jitter) / refreshJitterScale)
	}
	e.task = q.c.after(at.Sub(time.Now()), func() { q.entryDue(e) })
}

func (q *querier) entryDue(e *cacheEntry) {
	e.task = nil
	if e.step >= len(refreshSteps) {
		q.dropEntry(e)
		// An SRV record that ran out its TTL (no goodbye, no flush):
		// its publisher is gone without a word.
		if e.key.typ == dnsmsg.TypeSRV && !e.expires.Before(e.received.Add(e.ttl)) {
			q.staleInstance(e)
		}
		return // the browsers settle once every task due now has run (Conn.runDue)
	}
	e.step++
	// RFC 6762 §5.2: refresh only what someone is interested in. A
	// negative answer (NSEC, §6.1) is not worth a query of its own: it
	// comes back with the answers to the positive questions.
	if q.watched(e.key.name) && e.key.typ != dnsmsg.TypeNSEC {
		q.requestRefresh(e)
		// The first refresh went unanswered: the query or its answer was
		// lost. The later ones go over the other family too, a second
		// path through a lossy link (Wi-Fi loses each frame on its own).
		// At 10 % loss a query or its answer is lost 19 % of the time,
		// four in a row 0.13 % of the time: a browser of a dozen
		// services would drop a live one about every two hours.
		if e.step > 1 {
			q.requestRefreshOn(e, famKey{ifIndex: e.key.ifIndex, v6: !e.v6})
		}
	}
	q.scheduleEntry(e)
}

// setExpiry brings e's expiry forward to at (goodbye, cache flush).
func (q *querier) setExpiry(e *cacheEntry, at time.Time) {
	e.expires = at
	e.step = len(refreshSteps)
	q.cache.expiryChanged(e)
	q.scheduleEntry(e)
}

// dropEntry removes e from the cache and tells the browsers.
func (q *querier) dropEntry(e *cacheEntry) {
	q.c.cancel(e.task)
	e.task = nil
	q.poofReset(e)
	q.cache.remove(e)
	q.touchEntry(e)
}

// dropIface forgets every record heard on interface ifIndex.
func (q *querier) dropIfaceRecords(ifIndex int) {
	var doomed []*cacheEntry
	for _, ns := range q.cache.names {
		for _, set := range ns.sets {
			if set.key.ifIndex == ifIndex {
				doomed = append(doomed, set.list...)
			}
		}
	}
	for _, e := range doomed {
		q.dropEntry(e)
	}
}

// knownAnswers returns the records to list in a query for (name, typ) on
// one interface and family: RFC 6762 §7.1, those with more than half their
// TTL left, with their remaining TTL. ids receives their identities.
//
// Only records heard over that family count. A responder may answer
// differently per family (Avahi sends A records over IPv4 only, by
// default): a PTR learned over IPv6 and listed in an IPv4 query would
// suppress the IPv4 answer that brings the A record with it.
func (q *querier) knownAnswers(fk famKey, name string, typ uint16, now time.Time, ids map[string]bool) []dnsmsg.RR {
	var out []dnsmsg.RR
	add := func(set []*cacheEntry) {
		for _, e := range set {
			left := e.remaining(now)
			if left*2 <= e.ttl || !e.heardOn(fk.v6) || e.reconfirm {
				continue
			}
			out = append(out, withTTL(e.rr, uint32(left/time.Second), false))
			if ids != nil {
				ids[recordID(e.key.name, e.key.typ, e.rdata)] = true
			}
		}
	}
	if typ == dnsmsg.TypeANY {
		q.cache.byName(fk.ifIndex, name, func(_ cacheKey, set []*cacheEntry) { add(set) })
	} else {
		add(q.cache.lookup(cacheKey{ifIndex: fk.ifIndex, name: name, typ: typ}))
	}
	return out
}

// recordID identifies a record across messages: canonical name, type and
// canonical RDATA.
func recordID(name string, typ uint16, rdata string) string {
	return name + "\x00" + string([]byte{byte(typ >> 8), byte(typ)}) + rdata
}

func rrID(rr dnsmsg.RR) string {
	return recordID(canonical(rr.Header().Name), rr.Header().Type, string(rdata(rr, true)))
}
