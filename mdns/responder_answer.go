package mdns

import (
	"net/netip"
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Answer timing (RFC 6762 §6, §7.2).
const (
	sharedDelayMin   = 20 * time.Millisecond
	sharedDelayMax   = 120 * time.Millisecond
	tcDelayMin       = 400 * time.Millisecond
	tcDelayMax       = 500 * time.Millisecond
	recordRateLimit  = time.Second            // a record multicast at most once a second per interface
	defenceRateLimit = 250 * time.Millisecond // except in defence against a probe
	aggregateMax     = 500 * time.Millisecond // longest wait to aggregate answers
	legacyMaxSize    = 512                    // RFC 6762 §6.7 without EDNS0
	maxDeferred      = 32                     // truncated queries waiting per interface
	maxDeferredKAs   = 2048                   // known answers kept per waiting query
)

// handleQuery answers a query (or defends against a probe).
func (r *responder) handleQuery(in *inMsg) {
	ifr := r.ifs[in.ifi.Index]
	if r.closed || ifr == nil || r.idle() {
		return
	}
	m := in.msg
	// RFC 6762 §6.7: a query from a port other than 5353 comes from a
	// simple resolver, which gets a conventional unicast DNS answer.
	if int(in.src.Port()) != r.c.port {
		r.answerLegacy(ifr, in)
		return
	}
	qs := m.Question
	if len(m.Ns) > 0 && len(qs) > 0 {
		if in.own {
			return // our own probe
		}
		qs = r.handleProbe(ifr, in)
	}
	direct := !in.dst.IsMulticast()
	if d := ifr.findDeferred(in.src, in.v6); d != nil {
		// RFC 6762 §7.2: the rest of a truncated query's known answers.
		d.merge(qs, m.Answer)
		return
	}
	if len(qs) == 0 {
		return
	}
	if m.Truncated && len(ifr.deferred) < maxDeferred {
		// RFC 6762 §7.2: more known answers follow; wait 400–500 ms for
		// them before answering.
		d := &deferredQuery{src: in.src, v6: in.v6, direct: direct, id: m.ID}
		d.merge(qs, m.Answer)
		ifr.deferred = append(ifr.deferred, d)
		d.task = r.c.after(r.c.jitter(tcDelayMin, tcDelayMax), func() {
			ifr.deferred = slices.DeleteFunc(ifr.deferred, func(x *deferredQuery) bool { return x == d })
			r.answer(ifr, d.v6, d.src, d.direct, d.id, d.qs, d.kas, true)
		})
		return
	}
	r.answer(ifr, in.v6, in.src, direct, m.ID, qs, m.Answer, false)
}

// maxDirectAnswers bounds ifResp.direct.
const maxDirectAnswers = 1024

// directKey is one record answered directly to one asker.
type directKey struct {
	src netip.AddrPort
	id  string
}

// mayAnswerDirectly reports whether a record just multicast may go to an
// asker by unicast (see answer): not if it went to it less than a second
// ago. It notes the answer.
func (ifr *ifResp) mayAnswerDirectly(k directKey, now time.Time) bool {
	if last, ok := ifr.direct[k]; ok && now.Sub(last) < recordRateLimit {
		return false
	}
	if len(ifr.direct) >= maxDirectAnswers {
		for a, t := range ifr.direct {
			if now.Sub(t) >= recordRateLimit {
				delete(ifr.direct, a)
			}
		}
		if len(ifr.direct) >= maxDirectAnswers {
			return false
		}
	}
	ifr.direct[k] = now
	return true
}

// deferredQuery is a truncated query waiting for its known answers.
type deferredQuery struct {
	src    netip.AddrPort
	v6     bool
	direct bool
	id     uint16
	qs     []dnsmsg.Question
	kas    []dnsmsg.RR
	task   *task
}

func (d *deferredQuery) merge(qs []dnsmsg.Question, kas []dnsmsg.RR) {
	for _, q := range qs {
		if !slices.Contains(d.qs, q) && len(d.qs) < maxRecordsPerPacket {
			d.qs = append(d.qs, q)
		}
	}
	d.kas = append(d.kas, kas[:min(len(kas), maxDeferredKAs-len(d.kas))]...)
}

func (ifr *ifResp) findDeferred(src netip.AddrPort, v6 bool) *deferredQuery {
	for _, d := range ifr.deferred {
		if d.src == src && d.v6 == v6 {
			return d
		}
	}
	return nil
}

// knownAnswers indexes a query's known answers by identity, with the
// largest TTL seen.
func knownAnswers(kas []dnsmsg.RR) map[string]uint32 {
	if len(kas) == 0 {
		return nil
	}
	out := make(map[string]uint32, len(kas))
	for _, rr := range kas {
		if classOf(rr) != dnsmsg.ClassINET {
			continue
		}
		id := respID(rr)
		out[id] = max(out[id], rr.Header().TTL)
	}
	return out
}

// collect gathers our answers to qs on an interface, leaving out those
// the querier already knows (RFC 6762 §7.1: a known answer with at least
// half our TTL). qu reports, per answer, whether every question that asked
// for it wanted a unicast reply (RFC 6762 §5.4).
func collect(pub *pubSet, qs []dnsmsg.Question, ka map[string]uint32) (answers []*prr, qu map[string]bool) {
	var multi map[string]bool // with several questions: unicast wanted by all that asked
	for _, q := range qs {
		if c := q.Qclass & classMask; c != dnsmsg.ClassINET && c != dnsmsg.ClassANY {
			continue
		}
		wantsUnicast := q.Qclass&quBit != 0
		eachMatch(pub, q, func(p *prr) {
			if t, ok := ka[p.id]; ok && t >= p.ttl()/2 {
				return
			}
			if len(qs) == 1 {
				// One question (the usual query): no duplicates.
				answers = append(answers, p)
				if wantsUnicast {
					if qu == nil {
						qu = make(map[string]bool)
					}
					qu[p.id] = true
				}
				return
			}
			if multi == nil {
				multi = make(map[string]bool)
			}
			if prev, ok := multi[p.id]; ok {
				multi[p.id] = prev && wantsUnicast
				return
			}
			multi[p.id] = wantsUnicast
			answers = append(answers, p)
		})
	}
	if multi != nil {
		qu = multi
	}
	return answers, qu
}

// answer responds to a query from src on ifr (RFC 6762 §6).
func (r *responder) answer(ifr *ifResp, v6 bool, src netip.AddrPort, direct bool, id uint16, qs []dnsmsg.Question, kas []dnsmsg.RR, waited bool) {
	if ifr.gone || r.closed {
		return
	}
	pub := r.published(ifr.ifi)
	ka := knownAnswers(kas)
	answers, qu := collect(pub, qs, ka)
	if len(answers) == 0 {
		return
	}
	now := time.Now()
	lm := ifr.lastMC[fam(v6)]
	var uni, mc []*prr
	for _, p := range answers {
		// RFC 6762 §5.4: a QU question is answered by unicast, unless
		// the record was not multicast here within a quarter of its TTL:
		// then every cache on the link gets it. §5.5: a query sent
		// straight to us gets a unicast answer.
		//
		// A record multicast here less than a second ago may not be
		// multicast again yet (§6); a querier that asks for it all the
		// same started since, and would wait up to that second for an
		// answer (queriers here do not ask for unicast replies, since
		// port 5353 is shared). It gets a unicast answer at once: there
		// is nothing new for anyone else. One asker gets a record this
		// way at most once a second, so a querier that floods us gets
		// no more than the rate limit would give it.
		last, ok := lm[p.id]
		recent := ok && now.Sub(last) < time.Duration(p.ttl())*time.Second/4
		justSent := ok && now.Sub(last) < recordRateLimit && !waited && ifr.mayAnswerDirectly(directKey{src, p.id}, now)
		if direct || qu[p.id] && recent || justSent {
			uni = append(uni, p)
		} else {
			mc = append(mc, p)
		}
	}
	if len(uni) > 0 {
		skip := make(map[string]bool, len(ka))
		for k := range ka {
			skip[k] = true
		}
		for _, g := range groups(uni) {
			// RFC 6762 §18.1: a unicast reply echoes the query ID.
			ex, with := additionals(pub, g, skip)
			m := &outMsg{id: id, response: true, authoritative: true,
				answers: respOpts{}.rrs(g), additional: respOpts{}.rrs(ex), with: with}
			r.c.unicast(ifr.ifi, v6, src, m, ifr.ifi.limit(v6))
		}
	}
	if len(mc) == 0 {
		return
	}
	// RFC 6762 §6: answers made only of unique records go at once; a
	// shared record may be answered by several hosts, so it waits
	// 20–120 ms, and aggregates with other answers due here. After a
	// truncated query's 400–500 ms wait (§7.2) nothing more is added.
	due := now
	if !waited && slices.ContainsFunc(mc, func(p *prr) bool { return !p.unique }) {
		due = now.Add(r.c.jitter(sharedDelayMin, sharedDelayMax))
	}
	r.queueMC(ifr, v6, mc, due, false)
}

// mcBatch is a multicast answer waiting for its time.
type mcBatch struct {
	due  time.Time
	ents []mcEnt
	task *task
}

type mcEnt struct {
	p       *prr
	defence bool // probe defence: 250 ms rate limit instead of 1 s
}

// queueMC schedules records for multicast on ifr at due. A record already
// waiting is not queued twice; records due later join an earlier batch
// (RFC 6762 §6 aggregation).
func (r *responder) queueMC(ifr *ifResp, v6 bool, recs []*prr, due time.Time, defence bool) {
	f := fam(v6)
	if defence {
		// A defence overrides the same record waiting out the 1 s limit.
		ids := make(map[string]bool, len(recs))
		for _, p := range recs {
			ids[p.id] = true
		}
		for _, b := range ifr.batches[f] {
			b.ents = slices.DeleteFunc(b.ents, func(e mcEnt) bool { return ids[e.p.id] && !e.defence })
		}
	}
	pending := make(map[string]bool)
	for _, b := range ifr.batches[f] {
		for _, e := range b.ents {
			pending[e.p.id] = true
		}
	}
	var ents []mcEnt
	for _, p := range recs {
		if !pending[p.id] {
			pending[p.id] = true
			ents = append(ents, mcEnt{p: p, defence: defence})
		}
	}
	if len(ents) == 0 {
		return
	}
	if !due.After(time.Now()) {
		r.flushMC(ifr, v6, &mcBatch{ents: ents})
		return
	}
	// Join the earliest batch that goes out no later than this answer
	// must, or within the 500 ms RFC 6762 §6 allows for aggregation.
	limit := time.Now().Add(aggregateMax)
	if due.After(limit) {
		limit = due
	}
	for _, b := range ifr.batches[f] {
		if !b.due.After(limit) {
			b.ents = append(b.ents, ents...)
			return
		}
	}
	b := &mcBatch{due: due, ents: ents}
	ifr.batches[f] = append(ifr.batches[f], b)
	slices.SortStableFunc(ifr.batches[f], func(x, y *mcBatch) int { return x.due.Compare(y.due) })
	b.task = r.c.after(time.Until(due), func() {
		ifr.batches[f] = slices.DeleteFunc(ifr.batches[f], func(x *mcBatch) bool { return x == b })
		r.flushMC(ifr, v6, b)
	})
}

// flushMC multicasts a batch. A record multicast on this interface less
// than a second ago (250 ms for a probe defence) waits until that second
// is over (RFC 6762 §6); records withdrawn or changed meanwhile are
// dropped.
func (r *responder) flushMC(ifr *ifResp, v6 bool, b *mcBatch) {
	if ifr.gone || r.closed {
		return
	}
	pub := r.published(ifr.ifi)
	live := pub.byID
	now := time.Now()
	lm := ifr.lastMC[fam(v6)]
	var send []*prr
	for _, e := range b.ents {
		p := live[e.p.id]
		if p == nil {
			continue
		}
		limit := recordRateLimit
		if e.defence {
			limit = defenceRateLimit
		}
		if last, ok := lm[p.id]; ok && now.Sub(last) < limit {
			r.queueMC(ifr, v6, []*prr{p}, last.Add(limit), e.defence)
			continue
		}
		send = append(send, p)
	}
	if len(send) == 0 {
		return
	}
	r.sendMC(ifr, v6, send, func(g []*prr) ([]*prr, [][]int) { return additionals(pub, g, nil) }, respOpts{})
}

// suppressDuplicates drops our pending multicast answers that another
// host just multicast with a TTL not less than ours (RFC 6762 §7.4), and
// treats them as sent.
func (r *responder) suppressDuplicates(ifr *ifResp, v6 bool, recs []dnsmsg.RR) {
	f := fam(v6)
	if len(ifr.batches[f]) == 0 {
		return
	}
	heard := knownAnswers(recs)
	now := time.Now()
	for _, b := range ifr.batches[f] {
		b.ents = slices.DeleteFunc(b.ents, func(e mcEnt) bool {
			if t, ok := heard[e.p.id]; ok && t >= e.p.ttl() && t > 0 {
				ifr.lastMC[f][e.p.id] = now
				return true
			}
			return false
		})
	}
}
