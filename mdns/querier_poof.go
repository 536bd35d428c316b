package mdns

import (
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// RFC 6762 §10.5, Passive Observation Of Failures: when other hosts keep
// asking questions that a cached record answers and no response carrying
// it follows, its owner is probably gone. After poofQueries such queries
// (the second within poofWindow of the first) the record is flushed if it
// has not been heard again poofWindow after the query that reached the
// count; a record a browse needs is asked for once meanwhile.
const (
	poofQueries = 2
	poofWindow  = 10 * time.Second
	// reconfirmTries queries, reconfirmInterval apart, ask for a condemned
	// record a browse needs (RFC 6762 §10.4: "the querier should issue
	// multiple queries"): on a link that loses packets, one query or its
	// answer is lost often enough to flush a live service.
	reconfirmTries    = 3
	reconfirmInterval = 3 * time.Second
)

// observeQuery applies POOF to a multicast query from another host. Only
// QM questions count (a QU question may be answered by unicast, which we
// would not hear), and not queries whose known answers may continue in a
// later packet (TC) or probes (authority section), whose answers we cannot
// predict.
func (q *querier) observeQuery(in *inMsg, kaIDs map[string]bool) {
	m := in.msg
	if m.Truncated || len(m.Ns) > 0 {
		return
	}
	now := time.Now()
	for _, qu := range m.Question {
		if qu.Qclass&quBit != 0 || qu.Qclass&classMask != dnsmsg.ClassINET {
			continue
		}
		name := canonical(qu.Name)
		visit := func(set []*cacheEntry) {
			for _, e := range set {
				// Only a question over a family the record was heard on
				// is one its owner should answer: a responder may leave
				// a type out on one family (Avahi's A records on IPv6).
				if e.heardOn(in.v6) && !kaIDs[recordID(e.key.name, e.key.typ, e.rdata)] {
					q.poofCount(e, now)
				}
			}
		}
		if qu.Qtype == dnsmsg.TypeANY {
			q.cache.byName(in.ifi.Index, name, func(_ cacheKey, set []*cacheEntry) { visit(set) })
		} else {
			visit(q.cache.lookup(cacheKey{ifIndex: in.ifi.Index, name: name, typ: qu.Qtype}))
		}
	}
}

// poofState is a record's count of unanswered queries.
type poofState struct {
	n     int
	first time.Time
	task  *task // the flush, once condemned
}

func (q *querier) poofCount(e *cacheEntry, now time.Time) {
	p := e.poof
	if p == nil {
		p = &poofState{}
		e.poof = p
	}
	if p.task != nil {
		return // already condemned unless it is heard again
	}
	if p.n == 0 || now.Sub(p.first) > poofWindow {
		p.n, p.first = 1, now
		return
	}
	p.n++
	if p.n >= poofQueries {
		// Reconfirm before the record goes, as mDNSResponder does: ask
		// for it ourselves, without it among our known answers. A
		// reflector (Avahi's enable-reflector) forwards queries from
		// another link without their known answers, and the answers
		// there were suppressed by them: silence here proves nothing.
		// Through the reflector our own question is answered.
		q.condemn(e)
	}
}

// condemn flushes e poofWindow from now unless it is heard again
// meanwhile, and reconfirms it if a browse needs it.
func (q *querier) condemn(e *cacheEntry) {
	p := e.poof
	if p == nil {
		p = &poofState{}
		e.poof = p
	}
	if p.task != nil {
		return
	}
	p.task = q.c.after(poofWindow, func() {
		p.task = nil
		q.dropEntry(e)
		if e.key.typ == dnsmsg.TypeSRV {
			q.staleInstance(e)
		}
	}) // the browsers settle after the task (Conn.runDue)
	q.reconfirm(e, p.task, 1)
}

// staleInstance applies RFC 6762 §10.4 when a watched instance's SRV
// record went without a goodbye (it expired, or POOF flushed it because
// other browsers' refreshes of it went unanswered): the PTR naming the
// instance, and its TXT, are stale (a crashed publisher, a device
// unplugged), but live 75 minutes; they are reconfirmed, and flushed
// within 10 s when nobody answers. Without it a browser's cache keeps
// every crashed instance's PTR and TXT for 75 minutes.
func (q *querier) staleInstance(srv *cacheEntry) {
	name := srv.key.name
	if !q.watched(name) {
		return
	}
	for _, e := range q.cache.lookup(cacheKey{ifIndex: srv.key.ifIndex, name: name, typ: dnsmsg.TypeTXT}) {
		q.condemn(e)
	}
	next, last := dnsmsg.NextLabel(name, 0)
	if last {
		return
	}
	for _, e := range q.cache.lookup(cacheKey{ifIndex: srv.key.ifIndex, name: name[next:], typ: dnsmsg.TypePTR}) {
		if p, ok := e.rr.(*dnsmsg.PTR); ok && canonical(p.Ptr) == name {
			q.condemn(e)
		}
	}
}

// reconfirm asks for a record POOF condemned (the flush task doomed),
// without it among the known answers, and again reconfirmInterval later
// until it is heard (which cancels doomed), dropped, or asked
// reconfirmTries times.
func (q *querier) reconfirm(e *cacheEntry, doomed *task, try int) {
	if e.poof == nil || e.poof.task != doomed || !q.watched(e.key.name) {
		return
	}
	e.reconfirm = true
	q.requestRefresh(e)
	if try > 1 { // as a refresh, over the other family too (entryDue)
		q.requestRefreshOn(e, famKey{ifIndex: e.key.ifIndex, v6: !e.v6})
	}
	if try < reconfirmTries {
		q.c.after(reconfirmInterval, func() { q.reconfirm(e, doomed, try+1) })
	}
}

// poofReset is called when e is heard again, or goes.
func (q *querier) poofReset(e *cacheEntry) {
	if e.poof != nil {
		q.c.cancel(e.poof.task)
		e.poof = nil
	}
	e.reconfirm = false
}
