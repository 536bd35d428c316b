package mdns

import (
	"net/netip"
	"slices"
	"time"
)

// An interface that goes away (link down, a laptop asleep) takes its
// addresses with it, and the goodbyes for them cannot be sent while it is
// down (RFC 6762 §10.1). When it comes back with other addresses (woken
// on another network, renumbered while it slept), the cache-flush bit of
// the new announcements replaces our A and AAAA records in peers' caches
// (§10.2), but the reverse PTRs of the old addresses have other names and
// would linger for their whole TTL, mapping an address we no longer have
// to our name. So the responder remembers, per interface name, the
// addresses it had announced there when the interface vanished, and says
// goodbye to those that did not come back as soon as it returns (§10.1),
// before it probes and announces again (§8.3).

// maxVanished bounds the interfaces remembered (an interface that never
// returns, such as a VPN's tunN, stays until pushed out by newer ones).
const maxVanished = 16

// vanished is what an interface had announced when it went away: the
// addresses, under which host name and TTL.
type vanished struct {
	addrs []netip.Addr // without zones
	host  string
	ttl   uint32
	at    time.Time
}

// rememberVanished notes the addresses ifi had announced, if the host
// records were announced there.
func (r *responder) rememberVanished(ifi *ifaceState) {
	st := r.hostClaim.per[ifi.Index]
	if st == nil || !st.announced || r.closed {
		return
	}
	if r.vanished == nil {
		r.vanished = make(map[string]vanished)
	}
	if len(r.vanished) >= maxVanished {
		oldest := ""
		for name, v := range r.vanished {
			if oldest == "" || v.at.Before(r.vanished[oldest].at) {
				oldest = name
			}
		}
		delete(r.vanished, oldest)
	}
	addrs := append(ifi.addrs(false), ifi.addrs(true)...)
	for i, a := range addrs {
		addrs[i] = a.WithZone("")
	}
	r.vanished[ifi.Name] = vanished{addrs: addrs, host: r.hostFQDN(), ttl: r.hostTTL(), at: time.Now()}
}

// relinked sends goodbyes on ifr, an interface that has come back, for
// the addresses it had announced before it vanished and has no more —
// unless peers have let them expire by now, or another of our interfaces
// still has them.
func (r *responder) relinked(ifr *ifResp) {
	v, ok := r.vanished[ifr.ifi.Name]
	if !ok {
		return
	}
	delete(r.vanished, ifr.ifi.Name)
	if r.closed || time.Since(v.at) >= time.Duration(v.ttl)*time.Second {
		return
	}
	var gone []*prr
	for _, a := range v.addrs {
		if !r.ownedAnywhere(a) {
			gone = append(gone, r.addrRecordsFor(v.host, v.ttl, a)...)
		}
	}
	if len(gone) > 0 {
		r.goodbyeTwice([]goodbyeSend{{ifr: ifr, recs: gone}}, nil)
	}
}

// ownedAnywhere reports whether one of the interfaces we serve has a.
func (r *responder) ownedAnywhere(a netip.Addr) bool {
	return slices.ContainsFunc(r.sortedIfs(), func(ifr *ifResp) bool { return ifr.ifi.owns(a) })
}
