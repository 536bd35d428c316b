package mdns

import (
	"net/netip"
	"slices"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// The querier's reads of its cache, for the browsers that turn records into
// instances and host addresses (browse_state.go) and for the host lookups
// (lookup.go).

// latest returns the most recently received record of (name, typ) over all
// interfaces, nil if none is cached. Of records received at the same
// instant, the one stored last wins: when an announcement of old data and
// the announcement of its update arrive together, both stay for a second
// (RFC 6762 §10.2), and the update is the later one.
func (q *querier) latest(name string, typ uint16) *cacheEntry {
	var best *cacheEntry
	ns := q.cache.names[name]
	if ns == nil {
		return nil
	}
	for _, set := range ns.sets {
		if set.key.typ != typ {
			continue
		}
		for _, e := range set.list {
			if best == nil || e.received.After(best.received) ||
				e.received.Equal(best.received) && !e.expires.Before(best.expires) {
				best = e
			}
		}
	}
	return best
}

// all calls fn for every record of (name, typ) over all interfaces.
func (q *querier) all(name string, typ uint16, fn func(e *cacheEntry)) {
	ns := q.cache.names[name]
	if ns == nil {
		return
	}
	for _, set := range ns.sets {
		if set.key.typ == typ {
			for _, e := range set.list {
				fn(e)
			}
		}
	}
}

// hostHas reports whether the cache holds a record of type typ (A or
// AAAA) for host on some interface, or an NSEC from the host that says
// it has none (RFC 6762 §6.1).
func (q *querier) hostHas(host string, typ uint16) bool {
	found := false
	q.all(host, typ, func(*cacheEntry) { found = true })
	q.all(host, dnsmsg.TypeNSEC, func(e *cacheEntry) {
		if n, ok := e.rr.(*dnsmsg.NSEC); ok && canonical(n.NextDomain) == host && !slices.Contains(n.TypeBitMap, typ) {
			found = true
		}
	})
	return found
}

// hostAddrs returns the cached addresses of a host over all interfaces,
// IPv4 first, IPv6 link-local ones with the zone of the interface they
// were heard on.
func (q *querier) hostAddrs(host string) []netip.Addr {
	set := make(map[netip.Addr]bool)
	q.all(host, dnsmsg.TypeA, func(e *cacheEntry) {
		set[e.rr.(*dnsmsg.A).Addr] = true
	})
	q.all(host, dnsmsg.TypeAAAA, func(e *cacheEntry) {
		if a := e.rr.(*dnsmsg.AAAA).Addr; a.IsValid() {
			if a.IsLinkLocalUnicast() {
				a = a.WithZone(e.ifName)
			}
			set[a] = true
		}
	})
	if len(set) == 0 {
		return nil
	}
	out := make([]netip.Addr, 0, len(set))
	for a := range set {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

// missingFamilies returns the questions that complete a host's addresses
// on the interfaces where the instance's SRV was heard: where the host has
// addresses of one family only while the interface serves the other, the
// missing type is asked over that other family, once a few times
// (familyTries). A responder may send each type over its own family only
// (Avahi by default sends A records over IPv4 alone), so what came over
// one family is not the whole answer. An NSEC from the host that leaves
// the type out says it has none (RFC 6762 §6.1): nothing is asked.
func (q *querier) missingFamilies(inst, host string) []askKey {
	var out []askKey
	q.all(inst, dnsmsg.TypeSRV, func(e *cacheEntry) {
		idx := e.key.ifIndex
		ifi := q.c.ifaces[idx]
		if ifi == nil {
			return
		}
		has4 := len(q.cache.lookup(cacheKey{idx, host, dnsmsg.TypeA})) > 0
		has6 := len(q.cache.lookup(cacheKey{idx, host, dnsmsg.TypeAAAA})) > 0
		if has4 == has6 {
			return
		}
		typ, v6 := dnsmsg.TypeA, false
		if has4 {
			typ, v6 = dnsmsg.TypeAAAA, true
		}
		if _, ok := q.serves(famKey{idx, v6}); !ok || q.deniedByNSEC(idx, host, typ) {
			return
		}
		out = append(out, askKey{rrKey: rrKey{host, typ}, scoped: true, on: famKey{idx, v6}})
	})
	return out
}

// deniedByNSEC reports whether a cached NSEC for name on an interface
// says that name has no record of type typ (RFC 6762 §6.1).
func (q *querier) deniedByNSEC(ifIndex int, name string, typ uint16) bool {
	for _, e := range q.cache.lookup(cacheKey{ifIndex, name, dnsmsg.TypeNSEC}) {
		if n, ok := e.rr.(*dnsmsg.NSEC); ok && canonical(n.NextDomain) == name && !slices.Contains(n.TypeBitMap, typ) {
			return true
		}
	}
	return false
}

// ifacesOf returns the names of the interfaces (name, typ) was heard on.
func (q *querier) ifacesOf(name string, typ uint16) []string {
	var out []string
	q.all(name, typ, func(e *cacheEntry) {
		if !slices.Contains(out, e.ifName) {
			out = append(out, e.ifName)
		}
	})
	slices.Sort(out)
	return out
}
