package mdns

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// prr is one record we publish, with what the responder needs to know
// about it.
type prr struct {
	rr     dnsmsg.RR // full TTL, class IN without the cache-flush bit
	name   string    // canonical owner name
	unique bool      // RFC 6762 §2: unique records carry the cache-flush bit
	reg    *Registration
	id     string // identity: canonical name, type and canonical RDATA
	nsec   bool
	target string // canonical PTR or SRV target, "" for other types
	// wire holds the record as written in each kind of message (respOpts),
	// built on first use.
	wire [wireModes]dnsmsg.RR
}

// The ways a record is written: live (its TTL, the cache-flush bit if
// unique), to a legacy querier, in a goodbye.
const (
	wireLive = iota
	wireLegacy
	wireGoodbye
	wireModes
)

func newPRR(rr dnsmsg.RR, unique bool, reg *Registration) *prr {
	p := &prr{rr: rr, name: canonical(rr.Header().Name), unique: unique, reg: reg}
	p.id = respID(rr)
	switch rr := rr.(type) {
	case *dnsmsg.NSEC:
		p.nsec = true
	case *dnsmsg.PTR:
		p.target = canonical(rr.Ptr)
	case *dnsmsg.SRV:
		p.target = canonical(rr.Target)
	}
	return p
}

// respID identifies a record independently of TTL, case and cache-flush bit.
func respID(rr dnsmsg.RR) string {
	h := rr.Header()
	return canonical(h.Name) + "\x00" + strconv.Itoa(int(h.Type)) + "\x00" + string(rdata(rr, true))
}

func (p *prr) typ() uint16 { return p.rr.Header().Type }
func (p *prr) ttl() uint32 { return p.rr.Header().TTL }

func dedupe(recs []*prr) []*prr {
	seen := make(map[string]bool, len(recs))
	out := recs[:0:0]
	for _, p := range recs {
		if !seen[p.id] {
			seen[p.id] = true
			out = append(out, p)
		}
	}
	return out
}

func ttlSeconds(d time.Duration) uint32 { return uint32(d / time.Second) }

func labelsOf(dotted string) []string {
	return strings.Split(strings.TrimSuffix(dotted, "."), ".")
}

// hostFQDN is the host name in presentation format, "h1.local.". The host
// lives in .local whatever the domain of its services (RFC 6762 §3).
func (r *responder) hostFQDN() string { return joinName(r.host, "local") }

// hostTTL is the TTL of the host's records: RFC 6762 §10's 120 s, or the
// shortest Service.TTL override, so that a short-lived publisher's
// addresses age out with its services.
func (r *responder) hostTTL() uint32 {
	ttl := defaultHostTTL
	for _, g := range r.regs {
		if g.svc.TTL > 0 && g.svc.TTL < ttl {
			ttl = g.svc.TTL
		}
	}
	return ttlSeconds(ttl)
}

// buildReg (re)builds the records of a registration from its Service.
func (r *responder) buildReg(g *Registration) {
	s := &g.svc
	dom := labelsOf(s.domain())
	typ := joinName(append(labelsOf(s.Type), dom...)...)
	inst := fqdn(typ, s.Instance)
	if s.DottedInstance {
		inst = fqdn(typ, labelsOf(s.Instance)...)
	}
	hostTTL, otherTTL := ttlSeconds(defaultHostTTL), ttlSeconds(defaultOtherTTL)
	target := r.targetFQDN(g)
	g.mu.Lock()
	g.srvHost = strings.TrimSuffix(target, ".")
	g.mu.Unlock()
	if s.TTL > 0 {
		hostTTL, otherTTL = ttlSeconds(s.TTL), ttlSeconds(s.TTL)
	}
	g.typeName, g.instName = typ, inst
	if r.byInst[g.instKey] == g {
		delete(r.byInst, g.instKey)
	}
	g.instKey = canonical(inst)
	r.byInst[g.instKey] = g
	r.changed()
	recs := []*prr{
		// RFC 6763 §4.1: the browsing PTR is shared by every instance.
		newPRR(&dnsmsg.PTR{Hdr: hdr(typ, dnsmsg.TypePTR, otherTTL), Ptr: inst}, false, g),
		// RFC 6763 §5, RFC 6762 §10: SRV and TXT belong to this instance
		// alone.
		newPRR(&dnsmsg.SRV{Hdr: hdr(inst, dnsmsg.TypeSRV, hostTTL), Priority: s.Priority, Weight: s.Weight, Port: s.Port, Target: target}, true, g),
		newPRR(txtRR(inst, otherTTL, s.Text), true, g),
	}
	// RFC 6763 §7.1: one shared PTR per subtype.
	for _, st := range s.Subtypes {
		recs = append(recs, newPRR(&dnsmsg.PTR{Hdr: hdr(fqdn(typ, st, "_sub"), dnsmsg.TypePTR, otherTTL), Ptr: inst}, false, g))
	}
	// RFC 6763 §9: service type enumeration.
	enum := joinName(append([]string{"_services", "_dns-sd", "_udp"}, dom...)...)
	recs = append(recs, newPRR(&dnsmsg.PTR{Hdr: hdr(enum, dnsmsg.TypePTR, otherTTL), Ptr: typ}, false, g))
	// RFC 6762 §6.1: the instance name has SRV and TXT and nothing else.
	recs = append(recs, newPRR(&dnsmsg.NSEC{Hdr: hdr(inst, dnsmsg.TypeNSEC, hostTTL), NextDomain: inst,
		TypeBitMap: []uint16{dnsmsg.TypeTXT, dnsmsg.TypeSRV}}, true, g))
	g.recs = recs
}

// addrRecords are the A or AAAA record of one address and its reverse
// PTR (both unique: the address is ours alone).
func (r *responder) addrRecords(a netip.Addr) []*prr {
	return r.addrRecordsFor(r.hostFQDN(), r.hostTTL(), a)
}

// addrRecordsFor are the A or AAAA record of a under name, and its
// reverse PTR.
func (r *responder) addrRecordsFor(name string, ttl uint32, a netip.Addr) []*prr {
	a = a.Unmap().WithZone("")
	var rr dnsmsg.RR
	if a.Is4() {
		rr = &dnsmsg.A{Hdr: hdr(name, dnsmsg.TypeA, ttl), Addr: a}
	} else {
		rr = &dnsmsg.AAAA{Hdr: hdr(name, dnsmsg.TypeAAAA, ttl), Addr: a}
	}
	out := []*prr{newPRR(rr, true, nil)}
	if rev := dnsmsg.ReverseAddr(a); !r.yielded[canonical(rev)] {
		out = append(out, newPRR(&dnsmsg.PTR{Hdr: hdr(rev, dnsmsg.TypePTR, ttl), Ptr: name}, true, nil))
	}
	return out
}

// hostRecords are the host's records on one interface: only that
// interface's addresses (RFC 6762 §6.2, §15), their reverse PTRs, and an
// NSEC naming the address types that exist there (RFC 6762 §6.1).
//
// They are answered with on every query, so they are built once per
// state they depend on: host name, TTL, the interface's addresses and the
// reverse names given up.
func (r *responder) hostRecords(ifi *ifaceState) []*prr {
	var b strings.Builder
	fmt.Fprintf(&b, "%s|%d|%d", r.host, r.hostTTL(), len(r.yielded))
	for _, p := range ifi.Prefixes {
		b.WriteByte('|')
		b.WriteString(p.String())
	}
	key := b.String()
	if m, ok := r.hostMemo[ifi.Index]; ok && m.key == key {
		return m.recs
	}
	recs := r.buildHostRecords(ifi)
	r.hostMemo[ifi.Index] = hostMemo{key: key, recs: recs}
	return recs
}

// hostMemo holds the host records of one interface and what they were
// built from.
type hostMemo struct {
	key  string
	recs []*prr
}

func (r *responder) buildHostRecords(ifi *ifaceState) []*prr {
	return r.addrSet(r.hostFQDN(), r.hostTTL(), append(ifi.addrs(false), ifi.addrs(true)...))
}

// addrSet is a host's records for addrs (IPv4 first): their A and AAAA
// records and reverse PTRs, and an NSEC naming the address types that
// exist (RFC 6762 §6.1).
func (r *responder) addrSet(name string, ttl uint32, addrs []netip.Addr) []*prr {
	var out []*prr
	var has4, has6 bool
	for _, a := range addrs {
		out = append(out, r.addrRecordsFor(name, ttl, a)...)
		has4 = has4 || a.Unmap().Is4()
		has6 = has6 || !a.Unmap().Is4()
	}
	var types []uint16
	if has4 {
		types = append(types, dnsmsg.TypeA)
	}
	if has6 {
		types = append(types, dnsmsg.TypeAAAA)
	}
	if len(types) > 0 {
		out = append(out, newPRR(&dnsmsg.NSEC{Hdr: hdr(name, dnsmsg.TypeNSEC, ttl), NextDomain: name, TypeBitMap: types}, true, nil))
	}
	return out
}

// probeRecords are the records a claim proposes in its probes' authority
// section (RFC 6762 §8.1, §8.2).
func (r *responder) probeRecords(cl *claim, ifi *ifaceState) []dnsmsg.RR {
	var out []dnsmsg.RR
	if cl.reg == nil {
		for _, p := range r.claimRecords(cl, ifi) {
			if !p.nsec {
				out = append(out, p.rr)
			}
		}
		return out
	}
	for _, p := range cl.reg.recs {
		if p.typ() == dnsmsg.TypeSRV || p.typ() == dnsmsg.TypeTXT {
			out = append(out, p.rr)
		}
	}
	return out
}

// claimRecords are the records a claim publishes on an interface.
func (r *responder) claimRecords(cl *claim, ifi *ifaceState) []*prr {
	if cl.proxy != nil {
		return r.proxyRecords(cl.proxy, ifi)
	}
	if cl.reg == nil {
		return r.hostRecords(ifi)
	}
	return cl.reg.recs
}

// pubSet is every record we answer with on an interface, indexed by
// owner name and identity.
type pubSet struct {
	gen    uint64
	list   []*prr
	byName map[string][]*prr
	byID   map[string]*prr
}

// published is what we answer with on an interface: the host's records
// and each service's, once they were probed there. It is rebuilt only
// after a change (responder.gen): answering a query costs lookups by name,
// not a pass over every record of every registration.
func (r *responder) published(ifi *ifaceState) *pubSet {
	if ps := r.pubMemo[ifi.Index]; ps != nil && ps.gen == r.gen {
		return ps
	}
	var out []*prr
	if st := r.hostClaim.per[ifi.Index]; st != nil && st.state == stLive {
		out = append(out, r.hostRecords(ifi)...)
	}
	for _, p := range r.proxies {
		if st := p.cl.per[ifi.Index]; st != nil && st.state == stLive {
			out = append(out, r.proxyRecords(p, ifi)...)
		}
	}
	for _, g := range r.regs {
		if st := g.cl.per[ifi.Index]; st != nil && st.state == stLive {
			out = append(out, g.recs...)
		}
	}
	ps := &pubSet{gen: r.gen, list: dedupe(out), byName: make(map[string][]*prr), byID: make(map[string]*prr, len(out))}
	for _, p := range ps.list {
		ps.byName[p.name] = append(ps.byName[p.name], p)
		ps.byID[p.id] = p
	}
	r.pubMemo[ifi.Index] = ps
	return ps
}

// match returns our records that answer q (RFC 6762 §6), or the NSEC of
// one of our unique names when it has no record of the asked type
// (RFC 6762 §6.1).
func match(pub *pubSet, q dnsmsg.Question) []*prr {
	var out []*prr
	eachMatch(pub, q, func(p *prr) { out = append(out, p) })
	return out
}

// eachMatch calls fn for each record match would return.
func eachMatch(pub *pubSet, q dnsmsg.Question, fn func(*prr)) {
	var nsec *prr
	found := false
	for _, p := range pub.byName[canonical(q.Name)] {
		switch {
		case p.nsec:
			nsec = p
			if q.Qtype == dnsmsg.TypeNSEC {
				fn(p)
				found = true
			}
		case q.Qtype == dnsmsg.TypeANY || q.Qtype == p.typ():
			fn(p)
			found = true
		}
	}
	if !found && nsec != nil && q.Qtype != dnsmsg.TypeANY {
		fn(nsec)
	}
}

// additionals returns the records RFC 6763 §12 and RFC 6762 §6.1 advise
// adding to answers: for a service PTR the instance's SRV and TXT and the
// target's addresses, for an SRV the target's addresses, for an address
// the other family's, with an NSEC when one family is missing. Records in
// skip (answers, known answers) are left out. with[i] lists the records
// (indexes in out) that belong with answers[i], for pack to keep them in
// its message.
func additionals(pub *pubSet, answers []*prr, skip map[string]bool) (out []*prr, with [][]int) {
	// index: a record's place in out; -1 for an answer (never added).
	index := make(map[string]int, len(answers))
	for _, a := range answers {
		index[a.id] = -1
	}
	with = make([][]int, len(answers))
	var mine []int // the current answer's records
	add := func(name string, types ...uint16) {
		for _, p := range pub.byName[name] {
			if skip[p.id] || !slices.Contains(types, p.typ()) {
				continue
			}
			j, ok := index[p.id]
			if !ok {
				j = len(out)
				index[p.id] = j
				out = append(out, p)
			}
			if j >= 0 && !slices.Contains(mine, j) {
				mine = append(mine, j)
			}
		}
	}
	hostAddrs := func(name string) {
		add(name, dnsmsg.TypeA, dnsmsg.TypeAAAA)
		var has4, has6 bool
		for _, p := range pub.byName[name] {
			has4 = has4 || p.typ() == dnsmsg.TypeA
			has6 = has6 || p.typ() == dnsmsg.TypeAAAA
		}
		if !has4 || !has6 {
			add(name, dnsmsg.TypeNSEC)
		}
	}
	for i, a := range answers {
		mine = nil
		switch a.rr.(type) {
		case *dnsmsg.PTR:
			if a.reg != nil && a.target == a.reg.instKey {
				add(a.reg.instKey, dnsmsg.TypeSRV, dnsmsg.TypeTXT)
				for _, p := range pub.byName[a.reg.instKey] {
					if p.typ() == dnsmsg.TypeSRV {
						hostAddrs(p.target)
					}
				}
			}
		case *dnsmsg.SRV:
			hostAddrs(a.target)
		case *dnsmsg.A, *dnsmsg.AAAA:
			hostAddrs(a.name)
		}
		with[i] = mine
	}
	return out, with
}
