package mdns

import (
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Most machines already run an mDNS responder (avahi-daemon on Linux
// desktops, mDNSResponder on every Mac) that publishes the machine's host
// name with its addresses. When that responder asserts our host name with
// records other than ours, it is the machine's name: renaming ourselves
// "h1-2" would point every service we announce at a name nobody knows, and
// holding on would make the daemon rename itself. Instead we defer to it
// on that interface: our SRV records keep pointing at the host name, the
// daemon answers for the host's addresses, and we probe, announce and
// defend only our service records.
//
// Only records from this machine count: an IPv4 source address that is
// one of the receiving interface's own, in a packet that is not our own
// echo. Nobody else on the link can make us drop our host name this way:
// the kernel drops IPv4 packets that arrive from the wire with one of our
// own addresses as source (Linux's accept_local is off by default). It
// does not do so for IPv6 (seen on Linux 6.18: a datagram from another
// host with our ULA as source was delivered), so an IPv6 packet from one
// of our own addresses proves nothing either way: for the host name it is
// ignored — neither a conflict nor a reason to defer — and the machine's
// responder, which speaks both families, is recognised by its IPv4
// packets. (On a link without IPv4 we never defer.)
//
// When the daemon withdraws its address records (goodbyes, RFC 6762
// §10.1) and does not come back within reclaimWait, we probe the name
// again and publish the addresses ourselves, so that our services never
// point at a name that nobody answers for. If the daemon starts again
// later, its probe finds us deferring again at once.
const reclaimWait = 5 * time.Second

// hostSource says what a packet may tell us about our host name.
type hostSource int

const (
	fromOtherHost   hostSource = iota // a conflict like any other
	fromThisMachine                   // this machine's own responder: defer
	fromUnproven                      // our own IPv6 address: could be spoofed, ignore
)

// sourceOf classifies the sender of in, arrived on ifr.
func sourceOf(ifr *ifResp, in *inMsg) hostSource {
	src := in.src.Addr().Unmap()
	switch {
	case in.own || !ifr.ifi.owns(src):
		return fromOtherHost
	case src.Is4():
		return fromThisMachine
	}
	return fromUnproven
}

// deferHost hands our host name on ifr to this machine's own responder.
// Services waiting for the host name there go live with it.
func (r *responder) deferHost(ifr *ifResp) {
	st := r.hostClaim.on(ifr)
	if st.state == stDeferred {
		return
	}
	r.c.stats.hostDeferrals.Add(1)
	r.c.logf("host name %s is held by another responder on this machine (%s); deferring to it there", r.hostFQDN(), ifr.ifi.Name)
	// Our address records are not withdrawn with goodbyes: the daemon
	// publishes this machine's addresses under the same name, and a
	// goodbye would delete its identical records from every cache.
	st.state, st.sent, st.announced = stDeferred, 0, false
	r.changed()
	r.armProbe(ifr)
	r.hostReady(ifr)
}

// hostReady moves the services that were waiting for the host name on
// ifr to live, announces them and releases their Register calls.
func (r *responder) hostReady(ifr *ifResp) {
	r.changed()
	idx := ifr.ifi.Index
	var ann []*claim
	for _, g := range r.regs {
		if st := g.cl.per[idx]; st != nil && st.state == stWaitHost && r.targetsOwnHost(g) {
			st.state = stLive
			ann = append(ann, g.cl)
		}
	}
	r.announce(ifr, ann, 0)
	for _, cl := range ann {
		r.checkReady(cl.reg)
	}
}

// hostUsable reports whether services may go live on an interface: the
// host name is ours there, or the machine's responder holds it.
func (r *responder) hostUsable(idx int) bool {
	st := r.hostClaim.per[idx]
	return st != nil && (st.state == stLive || st.state == stDeferred)
}

// watchDeferredHost follows the machine's responder while we defer to it:
// its goodbye for the host's addresses arms the reclaim timer, anything
// else it says about the name disarms it.
func (r *responder) watchDeferredHost(ifr *ifResp, in *inMsg, recs []dnsmsg.RR) {
	st := r.hostClaim.per[ifr.ifi.Index]
	if st == nil || st.state != stDeferred || sourceOf(ifr, in) != fromThisMachine {
		return
	}
	host := canonical(r.hostFQDN())
	for _, rr := range recs {
		h := rr.Header()
		if canonical(h.Name) != host || classOf(rr) != dnsmsg.ClassINET {
			continue
		}
		if h.TTL > 0 {
			r.c.cancel(st.reclaim)
			st.reclaim = nil
			return
		}
		if h.Type == dnsmsg.TypeA || h.Type == dnsmsg.TypeAAAA {
			r.armReclaim(ifr, st)
		}
	}
}

// daemonProbing notes that the machine's responder probes the host name
// while we defer to it: it is coming back, so nothing is reclaimed.
func (r *responder) daemonProbing(ifr *ifResp) {
	if st := r.hostClaim.per[ifr.ifi.Index]; st != nil && st.state == stDeferred {
		r.c.cancel(st.reclaim)
		st.reclaim = nil
	}
}

func (r *responder) armReclaim(ifr *ifResp, st *claimIf) {
	r.c.cancel(st.reclaim)
	st.reclaim = r.c.after(reclaimWait, func() {
		st.reclaim = nil
		if ifr.gone || r.closed || st.state != stDeferred || r.hostClaim.per[ifr.ifi.Index] != st {
			return
		}
		r.c.logf("the responder holding %s on %s has gone; publishing the host name again", r.hostFQDN(), ifr.ifi.Name)
		r.startProbeOn(r.hostClaim, ifr, 0)
	})
}

// deferredAddrs returns the address records the machine's responder
// publishes for our host name on ifr, as our querier heard them: the ones
// a go-micro goodbye must carry (see ownGoodbye), identical to the
// daemon's so that it sees no conflict in them.
func (r *responder) deferredAddrs(ifr *ifResp) []dnsmsg.RR {
	var out []dnsmsg.RR
	host := canonical(r.hostFQDN())
	for _, t := range []uint16{dnsmsg.TypeA, dnsmsg.TypeAAAA} {
		for _, e := range r.c.qr.cache.lookup(cacheKey{ifIndex: ifr.ifi.Index, name: host, typ: t}) {
			if e.remaining(time.Now()) > 0 {
				out = append(out, withTTL(e.rr, uint32(e.remaining(time.Now())/time.Second), false))
			}
		}
	}
	return out
}

// resetHostClaim forgets the host name's state on every interface: it is
// claimed afresh with the next registration (RFC 6762 §8).
func (r *responder) resetHostClaim() {
	for _, st := range r.hostClaim.per {
		r.c.cancel(st.reclaim)
	}
	r.hostClaim.per = make(map[int]*claimIf)
	r.changed()
}
