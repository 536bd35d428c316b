package mdns

import (
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Probing constants (RFC 6762 §8.1).
const (
	probeWait         = 250 * time.Millisecond // initial random delay, 0 to this
	probeInterval     = 250 * time.Millisecond // between probes
	probeCount        = 3
	tiebreakWait      = time.Second // §8.2: the loser waits 1 s, then probes again
	conflictWindow    = 10 * time.Second
	conflictBurst     = 15
	conflictRateDelay = 5 * time.Second
)

// A claim is a name we probe for and then own: the host name (reg nil) or
// a service instance name.
type claim struct {
	reg *Registration
	per map[int]*claimIf // by interface index
	// proxy is set for a host name published for another device
	// (responder_proxy.go); reg is nil then too.
	proxy *proxyHost
}

type claimState int

const (
	stIdle     claimState = iota
	stProbing             // probes going out
	stWaitHost            // a service probed, waiting for the host name on this interface
	stLive                // probed; announced and answered with
	stDeferred            // the host name only: this machine's own responder holds it here (responder_defer.go)
)

// claimIf is a claim's progress on one interface.
type claimIf struct {
	state     claimState
	sent      int       // probes sent in the current round
	next      time.Time // the next probe, or when probing completes
	announced bool      // records went out here: they need goodbyes
	reclaim   *task     // stDeferred: publish the host name again (armReclaim)
}

func (cl *claim) on(ifr *ifResp) *claimIf {
	st := cl.per[ifr.ifi.Index]
	if st == nil {
		st = &claimIf{}
		cl.per[ifr.ifi.Index] = st
	}
	return st
}

// claims lists the host claim (when active) and every service claim.
func (r *responder) claims() []*claim {
	out := make([]*claim, 0, len(r.regs)+len(r.proxies)+1)
	out = append(out, r.hostClaim)
	for _, p := range r.proxies {
		out = append(out, p.cl)
	}
	for _, g := range r.regs {
		out = append(out, g.cl)
	}
	return out
}

// claimName is the canonical name a claim owns.
func (r *responder) claimName(cl *claim) string {
	if cl.reg == nil {
		return canonical(r.claimFQDN(cl))
	}
	return cl.reg.instKey
}

func (r *responder) claimByName(name string) *claim {
	if r.ownHostNeeded() && name == canonical(r.hostFQDN()) {
		return r.hostClaim
	}
	for _, p := range r.proxies {
		if name == canonical(p.fqdn()) {
			return p.cl
		}
	}
	if g := r.byInst[name]; g != nil {
		return g.cl
	}
	return nil
}

// startProbing (re)starts a claim's probing on every interface.
func (r *responder) startProbing(cl *claim, wait time.Duration) {
	for _, ifr := range r.sortedIfs() {
		r.startProbeOn(cl, ifr, wait)
	}
}

// startProbeOn starts a claim's probing on one interface, after wait or,
// when wait is zero, after RFC 6762 §8.1's random 0–250 ms — or at the
// next probe of a round already under way there, so that everything
// probing on an interface goes in one message (§8.1).
func (r *responder) startProbeOn(cl *claim, ifr *ifResp, wait time.Duration) {
	if !r.claimActive(cl, ifr) {
		return // a proxied host with no address on this interface
	}
	st := cl.on(ifr)
	st.state, st.sent = stProbing, 0
	r.changed()
	now := time.Now()
	switch {
	case r.rateLimited(now):
		// RFC 6762 §8.1: after 15 conflicts in 10 s, at least 5 s
		// before each further probe.
		st.next = now.Add(max(wait, conflictRateDelay))
	case wait > 0:
		st.next = now.Add(wait)
	default:
		if t, ok := r.roundTime(ifr, now); ok {
			st.next = t
		} else {
			st.next = now.Add(r.c.jitter(0, probeWait))
		}
	}
	r.armProbeAt(ifr, st.next)
}

// roundTime returns when the next probe tick already scheduled on ifr
// runs, if that is within one probe interval: a claim joining it gets its
// first probe in that tick's message.
func (r *responder) roundTime(ifr *ifResp, now time.Time) (time.Time, bool) {
	if t := ifr.probe; t != nil && !t.at.Before(now) && !t.at.After(now.Add(probeInterval)) {
		return t.at, true
	}
	return time.Time{}, false
}

func (r *responder) rateLimited(now time.Time) bool {
	r.conflicts = slices.DeleteFunc(r.conflicts, func(t time.Time) bool { return now.Sub(t) >= conflictWindow })
	return len(r.conflicts) >= conflictBurst
}

// armProbe schedules ifr's probe tick for the earliest probing claim.
func (r *responder) armProbe(ifr *ifResp) {
	r.c.cancel(ifr.probe)
	ifr.probe = nil
	var at time.Time
	for _, cl := range r.claims() {
		if st := cl.per[ifr.ifi.Index]; st != nil && st.state == stProbing && (at.IsZero() || st.next.Before(at)) {
			at = st.next
		}
	}
	r.armProbeAt(ifr, at)
}

// armProbeAt brings ifr's probe tick forward to at (a claim's next
// probe), unless it is due earlier already: one claim starting to probe
// does not need a pass over all the others.
func (r *responder) armProbeAt(ifr *ifResp, at time.Time) {
	if at.IsZero() || ifr.gone || r.closed || ifr.probe != nil && !at.Before(ifr.probe.at) {
		return
	}
	r.c.cancel(ifr.probe)
	ifr.probe = r.c.after(time.Until(at), func() { r.probeTick(ifr) })
}

// probeTick sends one probe for every claim due on ifr, and completes
// the claims whose third probe went unanswered for 250 ms.
func (r *responder) probeTick(ifr *ifResp) {
	ifr.probe = nil
	if ifr.gone || r.closed {
		return
	}
	now := time.Now()
	var probe, done []*claim
	for _, cl := range r.claims() {
		st := cl.per[ifr.ifi.Index]
		if st == nil || st.state != stProbing || st.next.After(now) {
			continue
		}
		if st.sent >= probeCount {
			done = append(done, cl)
			continue
		}
		st.sent++
		st.next = now.Add(probeInterval)
		probe = append(probe, cl)
	}
	if len(probe) > 0 {
		r.sendProbe(ifr, probe)
	}
	if len(done) > 0 {
		r.probed(ifr, done)
	}
	r.armProbe(ifr)
}

// sendProbe multicasts one probe for several claims (RFC 6762 §8.1): a
// query of type ANY for each name, with the records we propose in the
// authority section for the tiebreak of §8.2.
//
// The questions are QM, not QU as §8.1 suggests: a host that shares port
// 5353 between several sockets (avahi-daemon next to us, or two of our
// processes) delivers a unicast reply to one socket only, so a QU probe
// can miss the very answer that reports the conflict (brutella/dnssd PR
// #57). A multicast defence reaches every socket.
//
// Probes for many names (a thousand services registered at once) are
// split over as many messages as the interface's MTU needs (RFC 6762
// §17), each claim's question and proposed records in one message.
func (r *responder) sendProbe(ifr *ifResp, cls []*claim) {
	type part struct {
		qs   []dnsmsg.Question
		auth []dnsmsg.RR
	}
	parts := make([]part, 0, len(cls))
	for _, cl := range cls {
		name := r.claimFQDN(cl)
		p := part{qs: []dnsmsg.Question{{Name: name, Qtype: dnsmsg.TypeANY, Qclass: dnsmsg.ClassINET}}}
		for _, rr := range r.probeRecords(cl, ifr.ifi) {
			p.auth = append(p.auth, withTTL(rr, rr.Header().TTL, false))
			if rr.Header().Type == dnsmsg.TypePTR {
				// A reverse name: asked too, to learn whether another
				// responder on this host holds it.
				p.qs = append(p.qs, dnsmsg.Question{Name: rr.Header().Name, Qtype: dnsmsg.TypeANY, Qclass: dnsmsg.ClassINET})
			}
		}
		parts = append(parts, p)
	}
	ifr.families(func(v6 bool) {
		limit := ifr.ifi.limit(v6)
		m, w := &outMsg{}, newWireLen()
		for _, p := range parts {
			size := func() int {
				for _, q := range p.qs {
					w.question(q)
				}
				for _, rr := range p.auth {
					w.add(rr)
				}
				return w.n
			}
			if size() > limit && len(m.questions) > 0 {
				r.c.multicast(ifr.ifi, v6, m)
				w.release()
				m, w = &outMsg{}, newWireLen()
				size()
			}
			m.questions = append(m.questions, p.qs...)
			m.authority = append(m.authority, p.auth...)
		}
		w.release()
		r.c.multicast(ifr.ifi, v6, m)
	})
}

// probed moves claims that passed probing on ifr to announcing. A service
// waits for the host name, whose addresses its SRV points at.
func (r *responder) probed(ifr *ifResp, done []*claim) {
	r.changed()
	idx := ifr.ifi.Index
	hostLive := false
	var ann []*claim
	var proxies []*proxyHost
	for _, cl := range done {
		st := cl.per[idx]
		switch {
		case cl.proxy != nil:
			st.state = stLive
			proxies = append(proxies, cl.proxy)
		case cl.reg == nil:
			st.state = stLive
			hostLive = true
		case r.targetUsable(cl.reg, idx):
			st.state = stLive
			ann = append(ann, cl)
		default:
			st.state = stWaitHost
		}
	}
	if hostLive {
		others := slices.DeleteFunc(ann, func(cl *claim) bool { return r.targetsOwnHost(cl.reg) })
		ann = []*claim{r.hostClaim}
		for _, g := range r.regs {
			if st := g.cl.per[idx]; st != nil && r.targetsOwnHost(g) && (st.state == stWaitHost || st.state == stLive) {
				st.state = stLive
				ann = append(ann, g.cl)
			}
		}
		ann = append(ann, others...)
	}
	for _, p := range proxies {
		for _, cl := range r.proxyProbed(ifr, p) {
			if !slices.Contains(ann, cl) {
				ann = append(ann, cl)
			}
		}
	}
	r.announce(ifr, ann, 0)
	for _, cl := range ann {
		if cl.reg != nil {
			r.checkReady(cl.reg)
		}
	}
	for _, p := range proxies {
		r.checkProxyReady(p)
	}
}

// checkReady releases Register once a service is established: probed and
// announced on every interface it probes on.
func (r *responder) checkReady(g *Registration) {
	live := false
	for _, st := range g.cl.per {
		switch st.state {
		case stProbing, stWaitHost:
			return
		case stLive:
			live = true
		}
	}
	if live {
		g.established()
	}
}
