package mdns

import (
	"net/netip"
	"slices"
)

// ifaceState is an interface the engine serves, with the families whose
// group it joined.
type ifaceState struct {
	Interface
	v4, v6 bool // joined 224.0.0.251 / ff02::fb here
}

// onLink reports whether a packet from src may be answered or cached on
// this interface (RFC 6762 §11, §5.5): its source must be on one of the
// interface's subnets, IPv6 link-local, or IPv4 link-local (RFC 3927). On
// a loopback interface everything is: only this machine reaches it.
func (i *ifaceState) onLink(src netip.Addr) bool {
	if i.Loopback {
		// Only this machine sends on loopback; with no address to pick
		// for link-scope multicast there, Linux sends from 0.0.0.0.
		return true
	}
	src = src.Unmap().WithZone("")
	if src.Is6() && src.IsLinkLocalUnicast() {
		return true
	}
	if src.Is4() && src.IsLinkLocalUnicast() {
		return true
	}
	for _, p := range i.Prefixes {
		if p.Masked().Contains(src) {
			return true
		}
	}
	return false
}

// owns reports whether a is one of this interface's addresses.
func (i *ifaceState) owns(a netip.Addr) bool {
	a = a.Unmap().WithZone("")
	for _, p := range i.Prefixes {
		if p.Addr().WithZone("") == a {
			return true
		}
	}
	return false
}

// addrs returns the interface's addresses of one family, link-local IPv6
// addresses with their zone, in a stable order.
func (i *ifaceState) addrs(v6 bool) []netip.Addr {
	var out []netip.Addr
	for _, p := range i.Prefixes {
		a := p.Addr()
		if a.Is4() != !v6 || a.Is4In6() {
			continue
		}
		if a.Is6() && a.IsLinkLocalUnicast() {
			// netip.Prefix cannot hold a zone; link-local addresses get
			// the interface's.
			a = a.WithZone(i.Name)
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

func (i *ifaceState) hasFamily(v6 bool) bool { return len(i.addrs(v6)) > 0 }

func (i *ifaceState) limit(v6 bool) int { return payloadLimit(i.MTU, v6) }

func sameAddrs(a, b []netip.Prefix) bool {
	if len(a) != len(b) {
		return false
	}
	x := slices.Clone(a)
	y := slices.Clone(b)
	cmp := func(p, q netip.Prefix) int {
		if c := p.Addr().Compare(q.Addr()); c != 0 {
			return c
		}
		return p.Bits() - q.Bits()
	}
	slices.SortFunc(x, cmp)
	slices.SortFunc(y, cmp)
	return slices.Equal(x, y)
}
