package mdns

import (
	"slices"
	"time"
)

// responder publishes records: probing, announcing, answering, defending
// and saying goodbye (RFC 6762 §6–§10). It lives on the Conn's loop:
// every method is called with the Conn's mutex held (conn.go).
//
// Names are claimed per interface: a claim (the host name, or one service
// instance name) probes, then announces, on each interface on its own, so
// an interface that appears later is probed and announced on without
// disturbing the others (RFC 6762 §8: every interface is a separate link).
type responder struct {
	c    *Conn
	host string // current host label, "h1" (renamed "h1-2" after a conflict)

	hostClaim *claim          // the host name; idle while no service is registered
	regs      []*Registration // active registrations, in registration order
	ifs       map[int]*ifResp // per-interface state, by index
	conflicts []time.Time     // recent conflicts, for the §8.1 rate limit
	// yielded are reverse-mapping names (canonical) another responder
	// asserts for our addresses: we stop publishing them (see
	// responder_reverse.go).
	yielded map[string]bool
	// hostMemo caches hostRecords per interface index.
	hostMemo map[int]hostMemo
	closed   bool // shutdown started: nothing new is sent

	// gen counts changes to what we publish (registrations, their
	// records, claim states, interfaces, the host name): the memos below
	// hold while it stays the same. Every query is answered from them.
	gen     uint64
	pubMemo map[int]*pubSet // published, per interface index
	idsMemo idsMemo         // allRecordIDs
	// byInst finds a registration by its canonical instance name.
	byInst map[string]*Registration
	// packBuf is reused to pack legacy unicast answers; legacy holds
	// the replies to repeated ones.
	packBuf []byte
	legacy  legacyMemo

	// proxies are the host names we publish for other devices
	// (responder_proxy.go).
	proxies []*proxyHost
	// vanished are the addresses interfaces that went away had
	// announced, by interface name (responder_relink.go).
	vanished map[string]vanished
}

// ifResp is the responder's state on one interface.
type ifResp struct {
	ifi   *ifaceState
	gone  bool  // the interface went away; pending tasks do nothing
	probe *task // the next probe tick

	// lastMC is when each of our records (by prr.id) was last multicast,
	// per family: the 1 s rate limit and the ¼-TTL rule of RFC 6762 §5.4,
	// §6.
	lastMC [2]map[string]time.Time
	// batches are multicast answers waiting for their send time, per
	// family, sorted by due time (RFC 6762 §6 delays and aggregation).
	batches [2][]*mcBatch
	// deferred are truncated queries waiting for the rest of their
	// known-answer list (RFC 6762 §7.2).
	deferred []*deferredQuery
	// direct is when an asker last got a record just multicast by
	// unicast (responder_answer.go).
	direct map[directKey]time.Time
	// rescuing are our records another responder said goodbye to, by
	// prr.id, per family, until the rescue goes out (responder_rescue.go).
	rescuing [2]map[string]bool
}

func fam(v6 bool) int {
	if v6 {
		return 1
	}
	return 0
}

func newResponder(c *Conn, host string) *responder {
	return &responder{
		c:         c,
		host:      host,
		hostClaim: &claim{per: make(map[int]*claimIf)},
		ifs:       make(map[int]*ifResp),
		yielded:   make(map[string]bool),
		hostMemo:  make(map[int]hostMemo),
		pubMemo:   make(map[int]*pubSet),
		byInst:    make(map[string]*Registration),
	}
}

// changed notes a change to what we publish: the memos are rebuilt on
// next use.
func (r *responder) changed() { r.gen++ }

// sortedIfs returns the interfaces in index order, for deterministic runs.
func (r *responder) sortedIfs() []*ifResp {
	out := make([]*ifResp, 0, len(r.ifs))
	for _, ifr := range r.ifs {
		out = append(out, ifr)
	}
	slices.SortFunc(out, func(a, b *ifResp) int { return a.ifi.Index - b.ifi.Index })
	return out
}

// families calls fn for each family whose group ifr's interface joined.
func (ifr *ifResp) families(fn func(v6 bool)) {
	if ifr.ifi.v4 {
		fn(false)
	}
	if ifr.ifi.v6 {
		fn(true)
	}
}

// ifaceUp starts probing and announcing our records on a new interface.
func (r *responder) ifaceUp(ifi *ifaceState) {
	ifr := &ifResp{ifi: ifi, direct: make(map[directKey]time.Time)}
	ifr.lastMC[0] = make(map[string]time.Time)
	ifr.lastMC[1] = make(map[string]time.Time)
	r.ifs[ifi.Index] = ifr
	r.changed()
	r.relinked(ifr)
	if r.closed || r.idle() {
		return
	}
	// RFC 6762 §8: a new link means probing and announcing there, the
	// host names included.
	if r.ownHostNeeded() {
		r.startProbeOn(r.hostClaim, ifr, 0)
	}
	for _, p := range r.proxies {
		r.startProbeOn(p.cl, ifr, 0)
	}
	for _, g := range r.regs {
		r.startProbeOn(g.cl, ifr, 0)
	}
}

// ifaceChanged re-announces after the interface's addresses changed; prev
// holds the old state.
func (r *responder) ifaceChanged(ifi, prev *ifaceState) {
	ifr := r.ifs[ifi.Index]
	if ifr == nil {
		r.ifaceUp(ifi)
		return
	}
	if r.closed || sameAddrs(prev.Prefixes, ifi.Prefixes) {
		return
	}
	r.changed()
	hs := r.hostClaim.per[ifi.Index]
	if hs == nil {
		return
	}
	// RFC 6762 §10.1: an address that is no longer valid gets a goodbye,
	// its reverse PTR with it.
	var gone []*prr
	for _, v6 := range []bool{false, true} {
		for _, a := range prev.addrs(v6) {
			if !slices.Contains(ifi.addrs(v6), a) {
				gone = append(gone, r.addrRecords(a)...)
			}
		}
	}
	if len(gone) > 0 && hs.announced {
		r.goodbyeTwice([]goodbyeSend{{ifr: ifr, recs: gone}}, nil)
	}
	// RFC 6762 §8.3, §8.4: new data on the link is announced again, with
	// the cache-flush bit replacing what caches hold for our host name.
	if hs.state == stLive {
		cls := []*claim{r.hostClaim}
		for _, g := range r.regs {
			if st := g.cl.per[ifi.Index]; st != nil && st.state == stLive {
				cls = append(cls, g.cl)
			}
		}
		r.announce(ifr, cls, 0)
	}
}

// ifaceDown forgets per-interface state of a vanished interface.
func (r *responder) ifaceDown(ifi *ifaceState) {
	ifr := r.ifs[ifi.Index]
	if ifr == nil {
		return
	}
	ifr.gone = true
	r.rememberVanished(ifi)
	r.c.cancel(ifr.probe)
	for f := range ifr.batches {
		for _, b := range ifr.batches[f] {
			r.c.cancel(b.task)
		}
		ifr.batches[f] = nil
	}
	for _, d := range ifr.deferred {
		r.c.cancel(d.task)
	}
	ifr.deferred = nil
	delete(r.ifs, ifi.Index)
	delete(r.hostMemo, ifi.Index)
	r.changed()
	if st := r.hostClaim.per[ifi.Index]; st != nil {
		r.c.cancel(st.reclaim)
	}
	delete(r.hostClaim.per, ifi.Index)
	for _, p := range r.proxies {
		delete(p.cl.per, ifi.Index)
		delete(p.memo, ifi.Index)
		r.checkProxyReady(p)
	}
	for _, g := range r.regs {
		delete(g.cl.per, ifi.Index)
		r.checkReady(g)
	}
}

// shutdown sends goodbyes for everything published, twice, and calls done
// once the last one is sent (RFC 6762 §10.1).
func (r *responder) shutdown(done func()) {
	if r.closed {
		done()
		return
	}
	r.closed = true
	var sends []goodbyeSend
	for _, ifr := range r.sortedIfs() {
		r.c.cancel(ifr.probe)
		for f := range ifr.batches {
			for _, b := range ifr.batches[f] {
				r.c.cancel(b.task)
			}
			ifr.batches[f] = nil
		}
		for _, d := range ifr.deferred {
			r.c.cancel(d.task)
		}
		ifr.deferred = nil
		var recs []*prr
		if st := r.hostClaim.per[ifr.ifi.Index]; st != nil && st.announced {
			recs = append(recs, r.hostRecords(ifr.ifi)...)
		}
		for _, g := range r.regs {
			if st := g.cl.per[ifr.ifi.Index]; st != nil && st.announced {
				recs = append(recs, g.recs...)
			}
		}
		for _, p := range r.proxies {
			if st := p.cl.per[ifr.ifi.Index]; st != nil && st.announced {
				recs = append(recs, r.proxyRecords(p, ifr.ifi)...)
			}
		}
		if len(recs) > 0 {
			sends = append(sends, goodbyeSend{ifr: ifr, recs: dedupe(recs)})
		}
	}
	for _, g := range r.regs {
		if !g.isReady {
			g.fail(ErrClosed, false) // Register is still waiting
		}
	}
	r.regs = nil
	for _, p := range r.proxies {
		for _, hr := range p.hosts {
			if !hr.isReady {
				hr.fail(ErrClosed)
			}
		}
	}
	clear(r.byInst)
	r.changed()
	r.goodbyeTwice(sends, done)
}
