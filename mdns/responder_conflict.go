package mdns

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Conflict handling, all of it (RFC 6762 §8.1, §8.2, §9; RFC 6763
// Appendix D): another host's probe or response naming what we claim, the
// tiebreak of simultaneous probes, and the renames that follow a lost name
// ("Name (2)", "host-2"), for services, our host name and proxied hosts.
// Yielding the host name to this machine's own responder is
// responder_defer.go.

// handleProbe deals with another host's probe (RFC 6762 §8.1, §8.2) and
// returns the questions that are not about names we claim. A probe for a
// name we are probing too is a simultaneous probe: tiebreak. A probe for
// a name we own is answered at once by multicast, whatever its QU bit:
// the prober must hear the defence, and a unicast reply to a shared port
// 5353 may reach another socket than the prober's.
func (r *responder) handleProbe(ifr *ifResp, in *inMsg) []dnsmsg.Question {
	theirs := make(map[string][]dnsmsg.RR)
	for _, rr := range in.msg.Ns {
		n := canonical(rr.Header().Name)
		theirs[n] = append(theirs[n], rr)
	}
	var rest []dnsmsg.Question
	done := make(map[string]bool)
	var defend []*prr
	var rev map[string]bool
	for _, q := range in.msg.Question {
		name := canonical(q.Name)
		if rev == nil {
			rev = r.reverseNames()
		}
		if rev[name] {
			r.yieldReverse(name)
			continue
		}
		cl := r.claimByName(name)
		var st *claimIf
		if cl != nil {
			st = cl.per[ifr.ifi.Index]
		}
		src := sourceOf(ifr, in)
		switch {
		case cl == r.hostClaim && src == fromUnproven:
			// Our own IPv6 address: this machine's responder, whose IPv4
			// probe we act on, or a spoofer. Neither defend nor defer.
			done[name] = true
		case cl == r.hostClaim && st != nil && src == fromThisMachine && (st.state == stProbing || st.state == stLive):
			// Another responder on this machine claims the host name:
			// unless it proposes exactly our records, it is the
			// machine's, and we defer to it rather than defend or
			// tiebreak (responder_defer.go).
			if !done[name] && compareRecordSets(r.proposed(cl, ifr.ifi), theirs[name]) != 0 {
				r.deferHost(ifr)
			}
			done[name] = true
			if st.state == stDeferred {
				rest = append(rest, q)
			}
		case cl == r.hostClaim && st != nil && st.state == stDeferred:
			r.daemonProbing(ifr)
			rest = append(rest, q)
		case st != nil && st.state == stProbing:
			if !done[name] {
				done[name] = true
				r.tiebreak(ifr, cl, theirs[name])
			}
		case st != nil && st.state == stLive:
			for _, p := range match(r.published(ifr.ifi), dnsmsg.Question{Name: q.Name, Qtype: q.Qtype, Qclass: dnsmsg.ClassINET}) {
				if p.unique {
					defend = append(defend, p)
				}
			}
		default:
			rest = append(rest, q)
		}
	}
	if len(defend) > 0 {
		r.queueMC(ifr, in.v6, dedupe(defend), time.Now(), true)
	}
	return rest
}

// handleResponse looks for conflicts with our records and for answers that
// make our scheduled ones redundant.
func (r *responder) handleResponse(in *inMsg) {
	ifr := r.ifs[in.ifi.Index]
	if r.closed || ifr == nil || in.own || r.idle() {
		return
	}
	m := in.msg
	recs := make([]dnsmsg.RR, 0, len(m.Answer)+len(m.Ns)+len(m.Extra))
	recs = append(append(append(recs, m.Answer...), m.Ns...), m.Extra...)
	r.suppressDuplicates(ifr, in.v6, recs)
	r.rescue(ifr, in.v6, recs)
	r.watchDeferredHost(ifr, in, recs)
	src := sourceOf(ifr, in)
	local := src == fromThisMachine

	var ours map[string]bool // every record of ours, on any interface
	var rev map[string]bool
	handled := make(map[*claim]bool)
	for _, rr := range recs {
		h := rr.Header()
		if classOf(rr) != dnsmsg.ClassINET || h.TTL == 0 || h.Type == dnsmsg.TypeOPT {
			continue
		}
		if h.Type == dnsmsg.TypePTR && strings.HasSuffix(canonical(h.Name), ".arpa.") {
			if rev == nil {
				rev = r.reverseNames()
			}
			if n := canonical(h.Name); rev[n] && !r.isOurs(rr) {
				r.yieldReverse(n)
			}
			continue
		}
		cl := r.claimByName(canonical(h.Name))
		if cl == nil || handled[cl] {
			continue
		}
		st := cl.per[ifr.ifi.Index]
		if st == nil || st.state == stIdle || st.state == stDeferred || cl == r.hostClaim && src == fromUnproven {
			continue
		}
		if ours == nil {
			ours = r.allRecordIDs()
		}
		if ours[respID(rr)] {
			continue // the same data as ours: no conflict (§8.2, §9)
		}
		switch {
		case cl == r.hostClaim && local:
			handled[cl] = true
			r.deferHost(ifr)
		case st.state == stProbing || st.state == stWaitHost:
			// RFC 6762 §8.1: while probing with type ANY, any answer with
			// the name, of any type, is a conflict.
			handled[cl] = true
			r.conflict(cl)
		case st.state == stLive:
			// RFC 6762 §9: after probing, a record with our name, type
			// and class but other data conflicts.
			if r.ownsType(cl, h.Type) {
				handled[cl] = true
				r.lateConflict(cl)
			}
		}
	}
	if src == fromUnproven {
		handled[r.hostClaim] = true // see sourceOf
	}
	r.checkSets(ifr, recs, handled, local)
}

// checkSets compares whole record sets. A unique RRset belongs to one
// responder (RFC 6762 §2, §9): another responder asserting our name and
// type with a different set — even one made only of records we also have —
// claims the name. A co-resident avahi-daemon does this when it publishes
// fewer of this machine's addresses under the same host name: from this
// machine (local) that makes us defer to it (responder_defer.go); from
// another host it is a conflict. An identical set is no conflict.
func (r *responder) checkSets(ifr *ifResp, recs []dnsmsg.RR, handled map[*claim]bool, local bool) {
	type setKey struct {
		cl  *claim
		typ uint16
	}
	var order []setKey
	theirs := make(map[setKey]map[string]bool)
	for _, rr := range recs {
		h := rr.Header()
		if classOf(rr) != dnsmsg.ClassINET || h.TTL == 0 {
			continue
		}
		cl := r.claimByName(canonical(h.Name))
		if cl == nil || handled[cl] || !r.ownsType(cl, h.Type) {
			continue
		}
		if st := cl.per[ifr.ifi.Index]; st == nil || st.state == stIdle || st.state == stDeferred {
			continue
		}
		k := setKey{cl, h.Type}
		if theirs[k] == nil {
			theirs[k] = make(map[string]bool)
			order = append(order, k)
		}
		theirs[k][respID(rr)] = true
	}
	for _, k := range order {
		if handled[k.cl] {
			continue
		}
		mine := make(map[string]bool)
		for _, p := range r.claimRecords(k.cl, ifr.ifi) {
			if p.typ() == k.typ {
				mine[p.id] = true
			}
		}
		if maps.Equal(theirs[k], mine) {
			continue
		}
		handled[k.cl] = true
		switch state := k.cl.per[ifr.ifi.Index].state; {
		case k.cl == r.hostClaim && local:
			r.deferHost(ifr)
		case state == stProbing || state == stWaitHost:
			r.conflict(k.cl)
		case state == stLive:
			r.lateConflict(k.cl)
		}
	}
}

// ownsType reports whether t is a type of unique record a claim holds.
func (r *responder) ownsType(cl *claim, t uint16) bool {
	if cl.reg == nil {
		return t == dnsmsg.TypeA || t == dnsmsg.TypeAAAA
	}
	return t == dnsmsg.TypeSRV || t == dnsmsg.TypeTXT
}

// idsMemo holds allRecordIDs as of a responder.gen.
type idsMemo struct {
	gen uint64
	ids map[string]bool
}

// allRecordIDs lists every record we publish or propose, on any
// interface: another host repeating one of them is no conflict. The map
// must not be modified.
func (r *responder) allRecordIDs() map[string]bool {
	if r.idsMemo.ids != nil && r.idsMemo.gen == r.gen {
		return r.idsMemo.ids
	}
	out := make(map[string]bool)
	for _, ifr := range r.ifs {
		for _, p := range r.hostRecords(ifr.ifi) {
			out[p.id] = true
		}
		for _, px := range r.proxies {
			for _, p := range r.proxyRecords(px, ifr.ifi) {
				out[p.id] = true
			}
		}
	}
	for _, g := range r.regs {
		for _, p := range g.recs {
			out[p.id] = true
		}
	}
	r.idsMemo = idsMemo{gen: r.gen, ids: out}
	return out
}

// tiebreak resolves simultaneous probes for a name we are probing too
// (RFC 6762 §8.2): the lexicographically later set of proposed records
// wins; the loser waits one second and probes again; identical sets are
// no conflict.
func (r *responder) tiebreak(ifr *ifResp, cl *claim, theirs []dnsmsg.RR) {
	if len(theirs) == 0 {
		return
	}
	if compareRecordSets(r.proposed(cl, ifr.ifi), theirs) < 0 {
		r.c.logf("lost the simultaneous probe for %s; probing again in 1s", r.claimName(cl))
		for _, ifr := range r.sortedIfs() {
			if st := cl.per[ifr.ifi.Index]; st != nil && st.state == stProbing {
				r.startProbeOn(cl, ifr, tiebreakWait)
			}
		}
	}
}

// proposed are the records of a claim's own name that its probes propose
// (reverse PTRs, also in the probe, are other names).
func (r *responder) proposed(cl *claim, ifi *ifaceState) []dnsmsg.RR {
	name := r.claimName(cl)
	var out []dnsmsg.RR
	for _, rr := range r.probeRecords(cl, ifi) {
		if canonical(rr.Header().Name) == name {
			out = append(out, rr)
		}
	}
	return out
}

// compareRecordSets compares two sets of records as RFC 6762 §8.2 says:
// each sorted, then pairwise by class (without the cache-flush bit),
// type and raw RDATA; when one list runs out first, the longer one is
// later.
func compareRecordSets(a, b []dnsmsg.RR) int {
	sa, sb := sortRecords(a), sortRecords(b)
	for i := 0; i < len(sa) && i < len(sb); i++ {
		if c := compareRecord(sa[i], sb[i]); c != 0 {
			return c
		}
	}
	return len(sa) - len(sb)
}

func sortRecords(rrs []dnsmsg.RR) []dnsmsg.RR {
	out := slices.Clone(rrs)
	slices.SortStableFunc(out, compareRecord)
	return out
}

func compareRecord(a, b dnsmsg.RR) int {
	if c := int(classOf(a)) - int(classOf(b)); c != 0 {
		return c
	}
	if c := int(a.Header().Type) - int(b.Header().Type); c != 0 {
		return c
	}
	return bytes.Compare(rdata(a, false), rdata(b, false))
}

// conflict handles a name lost during probing (RFC 6762 §8.1) or after
// the late conflict's re-probe (§9): the service is renamed "Name (2)"
// and the host "host-2" (RFC 6763 Appendix D), then probed again; a
// NoRename service fails instead.
func (r *responder) conflict(cl *claim) {
	now := time.Now()
	r.c.stats.conflicts.Add(1)
	r.conflicts = append(r.conflicts, now)
	if cl.proxy != nil {
		r.proxyConflict(cl.proxy)
		return
	}
	if cl.reg == nil {
		old := r.host
		r.host = nextHostName(r.host)
		r.changed()
		r.c.logf("host name %s.local is taken; now %s.local", old, r.host)
		for _, g := range r.regs {
			r.buildReg(g) // the SRV target changes
		}
		r.startProbing(cl, 0)
		return
	}
	g := cl.reg
	if g.svc.NoRename {
		r.c.logf("service name %q is taken", g.svc.Instance)
		r.withdraw(g, nil)
		g.fail(&ConflictError{Name: g.svc.Instance}, true)
		return
	}
	old := g.svc.Instance
	r.rename(g, nextInstanceName(old))
	r.c.logf("service name %q is taken; now %q", old, g.svc.Instance)
	r.startProbing(cl, 0)
}

// lateConflict handles a conflict with a name we had already established
// (RFC 6762 §9): its records go back to probing; only if that probe fails
// is the name given up.
func (r *responder) lateConflict(cl *claim) {
	r.c.stats.conflicts.Add(1)
	r.conflicts = append(r.conflicts, time.Now())
	r.c.logf("conflicting data for %s on the link; probing it again", r.claimName(cl))
	r.startProbing(cl, 0)
}

// rename gives g a new instance name, skipping names our own other
// registrations hold.
func (r *responder) rename(g *Registration, name string) {
	for r.localTaken(g, name) {
		name = nextInstanceName(name)
	}
	g.setInstance(name)
	r.buildReg(g)
}

// localTaken reports whether another of our registrations has the
// instance name name with g's type and domain.
func (r *responder) localTaken(g *Registration, name string) bool {
	s := g.svc
	inst := []string{name}
	if s.DottedInstance {
		inst = labelsOf(name)
	}
	key := canonical(fqdn(joinName(append(labelsOf(s.Type), labelsOf(s.domain())...)...), inst...))
	o := r.byInst[key]
	return o != nil && o != g
}

// nextInstanceName returns "Name (2)" for "Name" and "Name (n+1)" for
// "Name (n)", cut at a rune boundary to stay within 63 bytes (RFC 6763
// Appendix D).
func nextInstanceName(name string) string {
	base, n := name, 2
	if i := strings.LastIndex(name, " ("); i >= 0 && strings.HasSuffix(name, ")") {
		digits := name[i+2 : len(name)-1]
		if k, err := strconv.Atoi(digits); err == nil && k >= 2 && digits[0] != '0' && digits[0] != '+' {
			base, n = name[:i], k+1
		}
	}
	suffix := fmt.Sprintf(" (%d)", n)
	return truncateUTF8(base, MaxLabel-len(suffix)) + suffix
}

// nextHostName returns "host-2" for "host" and "host-(n+1)" for "host-n".
func nextHostName(h string) string {
	base, n := h, 2
	if i := strings.LastIndexByte(h, '-'); i > 0 {
		digits := h[i+1:]
		if k, err := strconv.Atoi(digits); err == nil && k >= 2 && digits[0] != '0' && digits[0] != '+' {
			base, n = h[:i], k+1
		}
	}
	suffix := "-" + strconv.Itoa(n)
	return truncateUTF8(base, MaxLabel-len(suffix)) + suffix
}

// proxyConflict handles a proxied host name lost to another host (RFC
// 6762 §8.1, §9): renamed "printer-2" and probed again, the services that
// point at it following; with NoRename every registration using it fails.
func (r *responder) proxyConflict(p *proxyHost) {
	if p.noRename {
		err := &ConflictError{Name: strings.TrimSuffix(p.fqdn(), ".")}
		r.c.logf("host name %s is taken", p.fqdn())
		for _, g := range slices.Clone(p.regs) {
			r.withdraw(g, nil)
			g.fail(err, true)
		}
		for _, hr := range slices.Clone(p.hosts) {
			r.withdrawHost(hr, nil)
			hr.fail(err)
		}
		return
	}
	old := p.fqdn()
	p.label = r.freeHostLabel(nextHostName(p.label), p)
	r.changed()
	r.c.logf("host name %s is taken; now %s", old, p.fqdn())
	for _, g := range p.regs {
		r.buildReg(g) // the SRV target changes
		if g.isReady {
			g.notify()
		}
	}
	for _, hr := range p.hosts {
		hr.setName(p.label)
	}
	r.startProbing(p.cl, 0)
}
