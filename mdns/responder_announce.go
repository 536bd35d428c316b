package mdns

import (
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

const (
	// RFC 6762 §8.3: at least two unsolicited responses, one second
	// apart, and up to eight with the interval doubling each time. We send
	// four, at 0, 1, 3 and 7 s, as mDNSResponder does (Avahi sends three):
	// a browser that misses every copy of an announcement finds the
	// service only at its next query, which after a while is an hour
	// away. On a link that loses 30 % of the packets, two announcements on
	// IPv4 and IPv6 all miss a browser 0.8 % of the time; four, 0.007 %.
	announceCount    = 4
	announceInterval = time.Second
	// RFC 6762 §10.1: goodbyes are sent twice here (mDNSResponder sends
	// three, python-zeroconf three), 250 ms apart, in case one is lost.
	goodbyeCount    = 2
	goodbyeInterval = 250 * time.Millisecond
)

// respOpts says how records are written into a response.
type respOpts struct {
	id      uint16
	goodbye bool // TTL 0 (RFC 6762 §10.1)
	legacy  bool // TTL at most 10 s, no cache-flush bit (RFC 6762 §6.7)
}

// legacyTTL caps TTLs in answers to legacy unicast queriers (RFC 6762
// §6.7), which cache them like unicast DNS answers.
const legacyTTL = 10

func (o respOpts) rr(p *prr) dnsmsg.RR {
	mode := wireLive
	switch {
	case o.goodbye:
		mode = wireGoodbye
	case o.legacy:
		mode = wireLegacy
	}
	// Built once per record and mode: a record is immutable (a change
	// builds a new prr), and packing only ever writes the RDLENGTH the
	// record always has.
	if w := p.wire[mode]; w != nil {
		return w
	}
	ttl := p.ttl()
	switch mode {
	case wireGoodbye:
		ttl = 0
	case wireLegacy:
		ttl = min(ttl, legacyTTL)
	}
	// RFC 6762 §10.2: the cache-flush bit on unique records only, never
	// in legacy unicast answers; goodbyes go without it, so that one
	// address's goodbye does not flush the others.
	w := withTTL(p.rr, ttl, p.unique && mode == wireLive)
	p.wire[mode] = w
	return w
}

func (o respOpts) rrs(ps []*prr) []dnsmsg.RR {
	out := make([]dnsmsg.RR, len(ps))
	for i, p := range ps {
		out[i] = o.rr(p)
	}
	return out
}

// groups splits answers into messages: the records of a service with
// OwnMessages each get their own, everything else shares one. go-micro's
// parser reads only one instance per message (docs/gomicro-wire.md,
// "How go-micro reads a message").
func groups(answers []*prr) [][]*prr {
	if !slices.ContainsFunc(answers, func(p *prr) bool { return p.reg != nil && p.reg.svc.OwnMessages }) {
		return [][]*prr{answers} // the usual case: one message's worth
	}
	var shared []*prr
	var own [][]*prr
	index := make(map[*Registration]int)
	for _, p := range answers {
		if p.reg == nil || !p.reg.svc.OwnMessages {
			shared = append(shared, p)
			continue
		}
		i, ok := index[p.reg]
		if !ok {
			i = len(own)
			index[p.reg] = i
			own = append(own, nil)
		}
		own[i] = append(own[i], p)
	}
	var out [][]*prr
	if len(shared) > 0 {
		out = append(out, shared)
	}
	return append(out, own...)
}

// sendMC multicasts answers on one interface and family, each message
// with the additional records extra computes for its answers (paired
// with them, see additionals).
func (r *responder) sendMC(ifr *ifResp, v6 bool, answers []*prr, extra func([]*prr) ([]*prr, [][]int), o respOpts) {
	gs := groups(answers)
	if o.goodbye && len(gs) > 1 && groupOwner(gs[0]) == nil {
		// Own-message groups first: their live address records (below)
		// must precede a goodbye for the host's addresses in the same
		// burst, or caches would keep the addresses.
		gs = append(slices.Clone(gs[1:]), gs[0])
	}
	now := time.Now()
	lm := ifr.lastMC[fam(v6)]
	var extras []*prr
	for _, g := range gs {
		m := &outMsg{id: o.id, response: true, authoritative: true, answers: o.rrs(g)}
		if o.goodbye && groupOwner(g) != nil {
			m.answers = r.ownGoodbye(ifr, g, o)
		}
		if extra != nil {
			// RFC 6762 §6: an additional record is multicast too, so one
			// multicast here within the last second waits that second out
			// like an answer: else each question whose answer carries it
			// (PTR, SRV, TXT, A, ANY...) multicasts it again, and a flood
			// of questions makes us repeat a record several times a
			// second. A querier that started since asks for what it
			// misses, and gets it by unicast at once (answer). go-micro's
			// parser needs each instance whole in one message: its
			// own-message groups keep theirs.
			ex, with := extra(g)
			if groupOwner(g) == nil {
				ex, with = keepExtras(ex, with, func(p *prr) bool {
					last, ok := lm[p.id]
					return !ok || now.Sub(last) >= recordRateLimit
				})
			}
			m.additional, m.with = o.rrs(ex), with
			extras = append(extras, ex...)
		}
		r.c.multicast(ifr.ifi, v6, m)
	}
	// RFC 6762 §6 counts from when the record left, so the time is taken
	// after the writes: packing and writing can take a while on a loaded
	// machine (the loop preempted in between), and counting from before
	// them let the next copy follow less than a second after this one on
	// the wire (977 ms in the LAN flood test). Datagrams the pacer queues
	// leave later still (pace.go): only large bursts are queued.
	sentAt := time.Now()
	for _, p := range slices.Concat(answers, extras) {
		if o.goodbye {
			delete(lm, p.id)
		} else {
			lm[p.id] = sentAt
		}
	}
}

// keepExtras keeps the additional records keep accepts, their pairing
// with the answers (with[i]: indexes in ex) renumbered.
func keepExtras(ex []*prr, with [][]int, keep func(*prr) bool) ([]*prr, [][]int) {
	renum := make([]int, len(ex))
	var out []*prr
	for j, p := range ex {
		renum[j] = -1
		if keep(p) {
			renum[j] = len(out)
			out = append(out, p)
		}
	}
	if with == nil {
		return out, nil
	}
	w := make([][]int, len(with))
	for i, js := range with {
		for _, j := range js {
			if renum[j] >= 0 {
				w[i] = append(w[i], renum[j])
			}
		}
	}
	return out, w
}

// announceDelay is the wait before announcement n+1 (n counts from 0):
// 1 s, then doubling (RFC 6762 §8.3).
func announceDelay(n int) time.Duration { return announceInterval << n }

// announce multicasts the records of claims established on ifr, then
// again after 1, 2 and 4 s, announceCount times in all (RFC 6762 §8.3):
// unique records with the cache-flush bit, shared ones without.
func (r *responder) announce(ifr *ifResp, cls []*claim, n int) {
	if ifr.gone || r.closed {
		return
	}
	var recs []*prr
	var live []*claim
	for _, cl := range cls {
		st := cl.per[ifr.ifi.Index]
		if st == nil || st.state != stLive {
			continue
		}
		st.announced = true
		live = append(live, cl)
		recs = append(recs, r.claimRecords(cl, ifr.ifi)...)
	}
	r.announceRecords(ifr, dedupe(recs))
	if len(live) > 0 && n+1 < announceCount {
		r.c.after(announceDelay(n), func() { r.announce(ifr, live, n+1) })
	}
}

// announceRecords multicasts records on every family of ifr: the NSECs
// and the addresses a service needs go in the additional section.
func (r *responder) announceRecords(ifr *ifResp, recs []*prr) {
	var answers, nsecs []*prr
	for _, p := range recs {
		if p.nsec {
			nsecs = append(nsecs, p)
		} else {
			answers = append(answers, p)
		}
	}
	if len(answers) == 0 {
		return
	}
	pub := r.published(ifr.ifi)
	extra := func(g []*prr) ([]*prr, [][]int) {
		out, with := additionals(pub, g, nil)
		owner := groupOwner(g)
		for _, p := range nsecs {
			if groupOwner([]*prr{p}) == owner {
				out = appendMissing(out, p)
			}
		}
		return out, with
	}
	ifr.families(func(v6 bool) {
		if send := ifr.unsentRecently(v6, answers); len(send) > 0 {
			r.sendMC(ifr, v6, send, extra, respOpts{})
		}
	})
}

// unsentRecently returns the records of recs not multicast on ifr's
// family within the last second, and takes them out of the answers
// waiting there: an announcement goes out now for them. A record is
// multicast at most once a second per interface (RFC 6762 §6); one that
// just went out in an answer already did what the announcement would.
func (ifr *ifResp) unsentRecently(v6 bool, recs []*prr) []*prr {
	f := fam(v6)
	now := time.Now()
	var out []*prr
	ids := make(map[string]bool, len(recs))
	for _, p := range recs {
		if last, ok := ifr.lastMC[f][p.id]; ok && now.Sub(last) < recordRateLimit {
			continue
		}
		out = append(out, p)
		ids[p.id] = true
	}
	for _, b := range ifr.batches[f] {
		b.ents = slices.DeleteFunc(b.ents, func(e mcEnt) bool { return ids[e.p.id] })
	}
	return out
}

// ownGoodbye writes the goodbye of an OwnMessages service the way
// hashicorp/mdns-derived parsers (go-micro) can read it: they only treat a
// message as an instance once it has an address, and take the TTL of the
// record that completed it (docs/gomicro-wire.md, "How go-micro reads a message"). So the
// host's addresses go in with their live TTL, before the TTL-0 TXT that
// completes the instance; the records themselves stay valid, only the
// service's are withdrawn (RFC 6762 §10.1).
func (r *responder) ownGoodbye(ifr *ifResp, g []*prr, o respOpts) []dnsmsg.RR {
	var out, txts []dnsmsg.RR
	for _, p := range g {
		if p.typ() == dnsmsg.TypeTXT {
			txts = append(txts, o.rr(p))
		} else {
			out = append(out, o.rr(p))
		}
	}
	if st := r.hostClaim.per[ifr.ifi.Index]; st != nil && st.state == stDeferred && r.targetsOwnHost(groupOwner(g)) {
		// The machine's responder holds the host name: its own
		// records, as heard, are the addresses (responder_defer.go).
		out = append(out, r.deferredAddrs(ifr)...)
		return append(out, txts...)
	}
	live := respOpts{}
	addrs := r.hostRecords(ifr.ifi)
	if owner := groupOwner(g); owner != nil && owner.px != nil {
		addrs = r.proxyRecords(owner.px, ifr.ifi)
	}
	for _, p := range addrs {
		if t := p.typ(); t == dnsmsg.TypeA || t == dnsmsg.TypeAAAA {
			out = append(out, live.rr(p))
		}
	}
	return append(out, txts...)
}

// groupOwner is the OwnMessages registration a group of records belongs
// to, or nil for the shared group.
func groupOwner(g []*prr) *Registration {
	if len(g) > 0 && g[0].reg != nil && g[0].reg.svc.OwnMessages {
		return g[0].reg
	}
	return nil
}

func appendMissing(out []*prr, p *prr) []*prr {
	for _, q := range out {
		if q.id == p.id {
			return out
		}
	}
	return append(out, p)
}

// goodbyeSend is one interface's share of a goodbye.
type goodbyeSend struct {
	ifr  *ifResp
	recs []*prr
}

// goodbyeTwice multicasts recs with TTL 0 on each interface, goodbyeCount
// times goodbyeInterval apart (RFC 6762 §10.1), and then calls done.
func (r *responder) goodbyeTwice(sends []goodbyeSend, done func()) {
	if len(sends) == 0 {
		if done != nil {
			done()
		}
		return
	}
	var send func(n int)
	send = func(n int) {
		for _, s := range sends {
			if s.ifr.gone {
				continue
			}
			s.ifr.families(func(v6 bool) { r.sendMC(s.ifr, v6, s.recs, nil, respOpts{goodbye: true}) })
		}
		if n+1 < goodbyeCount {
			r.c.after(goodbyeInterval, func() { send(n + 1) })
		} else if done != nil {
			r.c.whenSent(done) // on the wire, not in a queue, before Close
		}
	}
	send(0)
}

// withdraw removes g from the published set, with goodbyes for the
// records it announced (shared ones that another registration still
// publishes excepted), and the host's records when g was the last
// service. done, if set, runs after the last goodbye.
func (r *responder) withdraw(g *Registration, done func()) {
	i := -1
	for j, o := range r.regs {
		if o == g {
			i = j
		}
	}
	if i < 0 {
		if done != nil {
			done()
		}
		return
	}
	r.regs = append(r.regs[:i:i], r.regs[i+1:]...)
	if r.byInst[g.instKey] == g {
		delete(r.byInst, g.instKey)
	}
	r.changed()
	last := r.targetsOwnHost(g) && !r.ownHostNeeded()
	gone := r.unbindService(g)
	var sends []goodbyeSend
	for _, ifr := range r.sortedIfs() {
		idx := ifr.ifi.Index
		var recs []*prr
		if st := g.cl.per[idx]; st != nil && st.announced {
			still := r.published(ifr.ifi).byID
			for _, p := range g.recs {
				if still[p.id] == nil {
					recs = append(recs, p)
				}
			}
		}
		if hs := r.hostClaim.per[idx]; last && hs != nil && hs.announced {
			recs = append(recs, r.hostRecords(ifr.ifi)...)
		}
		if gone != nil {
			if st := gone.cl.per[idx]; st != nil && st.announced {
				recs = append(recs, r.proxyRecords(gone, ifr.ifi)...)
			}
			// Idle, as proxyGoodbyes leaves it: an announcement still
			// pending for the proxied host (RFC 6762 §8.3, up to 7 s
			// after it went live) must not send its records again after
			// their goodbyes.
			gone.cl.per[idx] = &claimIf{}
		}
		if len(recs) > 0 {
			sends = append(sends, goodbyeSend{ifr: ifr, recs: recs})
		}
		g.cl.per[idx] = &claimIf{}
	}
	if last {
		// RFC 6762 §8: the host name is claimed again with the next
		// registration.
		r.resetHostClaim()
	}
	for _, ifr := range r.sortedIfs() {
		r.armProbe(ifr)
	}
	r.goodbyeTwice(sends, done)
}
