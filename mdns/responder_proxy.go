package mdns

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Proxied hosts. A device that cannot speak mDNS (a printer, a camera)
// gets its name published by us: a second host claim besides our own,
// with the device's A/AAAA records, their reverse-mapping PTRs and an
// NSEC (RFC 6762 §6.1), probed, announced, defended and withdrawn like
// our own host's (RFC 6762 §8, §9, §10.1). Services whose SRV points at
// it (Service.Host with Service.Addrs) and Host registrations
// (Conn.RegisterHostNoWait) share one proxyHost per name; it goes with the last
// of them.
//
// Only our own host name is ever deferred to this machine's own responder
// (responder_defer.go): for a proxied name, records from this machine
// that differ are a conflict like any other.

// proxyHost is one proxied host name and what uses it.
type proxyHost struct {
	key      string // requested label, lower case
	label    string // current label ("printer", "printer-2" after a conflict)
	addrs    []netip.Addr
	addrKey  string // hostAddrKey(addrs)
	ttl      uint32
	noRename bool
	cl       *claim
	regs     []*Registration     // services whose SRV points here
	hosts    []*HostRegistration // Host registrations
	memo     map[int]hostMemo    // records per interface index
}

func (p *proxyHost) fqdn() string { return joinName(p.label, "local") }

func (p *proxyHost) users() int { return len(p.regs) + len(p.hosts) }

// addrsOn returns the addresses published on ifi: those without a zone,
// and the link-local ones whose zone is ifi.
func (p *proxyHost) addrsOn(ifi *ifaceState) []netip.Addr {
	var out []netip.Addr
	for _, a := range p.addrs {
		if z := a.Zone(); z == "" || z == ifi.Name {
			out = append(out, a.Unmap().WithZone(""))
		}
	}
	return out
}

// proxyRecords are a proxied host's records on one interface.
func (r *responder) proxyRecords(p *proxyHost, ifi *ifaceState) []*prr {
	key := fmt.Sprintf("%s|%d|%s", p.label, len(r.yielded), ifi.Name)
	if m, ok := p.memo[ifi.Index]; ok && m.key == key {
		return m.recs
	}
	recs := r.addrSet(p.fqdn(), p.ttl, p.addrsOn(ifi))
	p.memo[ifi.Index] = hostMemo{key: key, recs: recs}
	return recs
}

// claimActive reports whether a claim has anything to publish on ifr: a
// proxied host (and the services pointing at it) only where it has
// addresses.
func (r *responder) claimActive(cl *claim, ifr *ifResp) bool {
	p := cl.proxy
	if cl.reg != nil {
		p = cl.reg.px
	}
	return p == nil || len(p.addrsOn(ifr.ifi)) > 0
}

// claimFQDN is the name a claim probes for, in presentation format.
func (r *responder) claimFQDN(cl *claim) string {
	switch {
	case cl.reg != nil:
		return cl.reg.instName
	case cl.proxy != nil:
		return cl.proxy.fqdn()
	}
	return r.hostFQDN()
}

// targetsOwnHost reports whether g's SRV points at this machine's host
// name (nil: the host claim itself).
func (r *responder) targetsOwnHost(g *Registration) bool {
	return g == nil || g.px == nil && g.target == ""
}

// ownHostNeeded reports whether some service points at our host name:
// the host name is claimed only then.
func (r *responder) ownHostNeeded() bool {
	return slices.ContainsFunc(r.regs, r.targetsOwnHost)
}

// idle reports that nothing is published or being published.
func (r *responder) idle() bool { return len(r.regs) == 0 && len(r.proxies) == 0 }

// targetFQDN is the SRV target of g.
func (r *responder) targetFQDN(g *Registration) string {
	switch {
	case g.px != nil:
		return g.px.fqdn()
	case g.target != "":
		return joinName(g.target, "local")
	}
	return r.hostFQDN()
}

// targetUsable reports whether g may go live on an interface: the host
// its SRV points at is established there (or is not ours to publish).
func (r *responder) targetUsable(g *Registration, idx int) bool {
	switch {
	case g.px != nil:
		st := g.px.cl.per[idx]
		return st != nil && st.state == stLive
	case g.target != "":
		return true
	}
	return r.hostUsable(idx)
}

// findProxy returns the proxied host asked for as label, or holding it.
func (r *responder) findProxy(label string) *proxyHost {
	key := strings.ToLower(label)
	for _, p := range r.proxies {
		if p.key == key {
			return p
		}
	}
	for _, p := range r.proxies {
		if strings.EqualFold(p.label, label) {
			return p
		}
	}
	return nil
}

// proxyFor returns the proxied host label with addrs, creating it (not
// probing yet) when it is new. The same name with other addresses, or
// our own host name, is refused.
func (r *responder) proxyFor(label string, addrs []netip.Addr, ttl time.Duration, noRename bool) (p *proxyHost, created bool, err error) {
	if strings.EqualFold(label, r.host) {
		return nil, false, fmt.Errorf("%w: host %q is this machine's host name; addresses are published for other hosts only", ErrInvalidName, label)
	}
	key := hostAddrKey(addrs)
	if p := r.findProxy(label); p != nil {
		if p.addrKey != key {
			return nil, false, fmt.Errorf("%w: host %q is already published here with addresses %s", ErrInvalidName, label, p.addrKey)
		}
		p.noRename = p.noRename || noRename
		return p, false, nil
	}
	if ttl == 0 {
		ttl = defaultHostTTL
	}
	sorted := slices.Clone(addrs)
	slices.SortFunc(sorted, func(a, b netip.Addr) int { return a.Unmap().Compare(b.Unmap()) })
	p = &proxyHost{key: strings.ToLower(label), label: r.freeHostLabel(label, nil), addrs: sorted, addrKey: key,
		ttl: ttlSeconds(ttl), noRename: noRename, memo: make(map[int]hostMemo)}
	p.cl = &claim{per: make(map[int]*claimIf), proxy: p}
	r.proxies = append(r.proxies, p)
	r.changed()
	return p, true, nil
}

// freeHostLabel returns label, or the next "label-N" that neither our
// own host nor another proxied host holds.
func (r *responder) freeHostLabel(label string, self *proxyHost) string {
	taken := func(l string) bool {
		if strings.EqualFold(l, r.host) {
			return true
		}
		return slices.ContainsFunc(r.proxies, func(p *proxyHost) bool { return p != self && strings.EqualFold(p.label, l) })
	}
	for taken(label) {
		label = nextHostName(label)
	}
	return label
}

// bindService points g at the host its Service names: this machine's
// (no Host), a proxied host (Host with Addrs, or a Host registered here),
// or another responder's (Host alone).
func (r *responder) bindService(g *Registration) error {
	s := &g.svc
	if s.Host == "" {
		return nil
	}
	label, err := HostLabel(s.Host)
	if err != nil {
		return err
	}
	if len(s.Addrs) == 0 {
		switch p := r.findProxy(label); {
		case p != nil:
			g.px = p
			p.regs = append(p.regs, g)
		case !strings.EqualFold(label, r.host):
			g.target = label
		}
		return nil
	}
	p, created, err := r.proxyFor(label, s.Addrs, s.TTL, s.NoRename)
	if err != nil {
		return err
	}
	g.px = p
	p.regs = append(p.regs, g)
	if created {
		r.startProbing(p.cl, 0)
	}
	return nil
}

// unbindService detaches g from its proxied host and returns the host
// when g was its last user: it is no longer published (the caller says
// goodbye for what it announced).
func (r *responder) unbindService(g *Registration) *proxyHost {
	p := g.px
	if p == nil {
		return nil
	}
	p.regs = slices.DeleteFunc(p.regs, func(o *Registration) bool { return o == g })
	return r.dropIfUnused(p)
}

func (r *responder) dropIfUnused(p *proxyHost) *proxyHost {
	if p.users() > 0 || !slices.Contains(r.proxies, p) {
		return nil
	}
	r.proxies = slices.DeleteFunc(r.proxies, func(o *proxyHost) bool { return o == p })
	r.changed()
	for _, ifr := range r.sortedIfs() {
		r.armProbe(ifr)
	}
	return p
}

// addHost starts publishing a Host registration.
func (r *responder) addHost(hr *HostRegistration) error {
	if r.closed {
		return ErrClosed
	}
	p, created, err := r.proxyFor(hr.label, hr.host.Addrs, hr.host.TTL, hr.host.NoRename)
	if err != nil {
		return err
	}
	hr.px = p
	p.hosts = append(p.hosts, hr)
	hr.setName(p.label)
	if created {
		r.startProbing(p.cl, 0)
	} else {
		r.checkProxyReady(p)
	}
	return nil
}

// withdrawHost removes a Host registration; its records get goodbyes
// (RFC 6762 §10.1) when nothing else uses them. done, if set, runs after
// the last goodbye.
func (r *responder) withdrawHost(hr *HostRegistration, done func()) {
	p := hr.px
	if p == nil || !slices.Contains(p.hosts, hr) {
		if done != nil {
			done()
		}
		return
	}
	p.hosts = slices.DeleteFunc(p.hosts, func(o *HostRegistration) bool { return o == hr })
	var sends []goodbyeSend
	if gone := r.dropIfUnused(p); gone != nil {
		sends = r.proxyGoodbyes(gone)
	}
	r.goodbyeTwice(sends, done)
}

// proxyGoodbyes are the goodbyes of a proxied host that is withdrawn: its
// records on every interface where they were announced.
func (r *responder) proxyGoodbyes(p *proxyHost) []goodbyeSend {
	var sends []goodbyeSend
	for _, ifr := range r.sortedIfs() {
		if st := p.cl.per[ifr.ifi.Index]; st != nil && st.announced {
			sends = append(sends, goodbyeSend{ifr: ifr, recs: r.proxyRecords(p, ifr.ifi)})
		}
		p.cl.per[ifr.ifi.Index] = &claimIf{}
	}
	r.changed()
	return sends
}

// proxyProbed moves a proxied host that passed probing on ifr to live,
// with the services that wait for it there; it returns the claims to
// announce.
func (r *responder) proxyProbed(ifr *ifResp, p *proxyHost) []*claim {
	idx := ifr.ifi.Index
	ann := []*claim{p.cl}
	for _, g := range p.regs {
		if st := g.cl.per[idx]; st != nil && (st.state == stWaitHost || st.state == stLive) {
			st.state = stLive
			ann = append(ann, g.cl)
		}
	}
	return ann
}

// checkProxyReady releases the Host registrations of p once it is live on
// every interface where it probes.
func (r *responder) checkProxyReady(p *proxyHost) {
	live := false
	for _, st := range p.cl.per {
		switch st.state {
		case stProbing:
			return
		case stLive:
			live = true
		}
	}
	if live {
		for _, hr := range p.hosts {
			hr.established()
		}
	}
}
