package mdnstest

import (
	"fmt"
	"net/netip"
	"strconv"
)

// route is how a datagram leaves a host.
type route struct {
	out   *iface
	src   netip.Addr
	local bool // to one of the host's own addresses: delivered through lo
}

// routeLocked picks the outgoing interface and source address for dst:
// the interface asked for, else (unicast) the interface named by an IPv6
// zone, else one whose prefix holds dst, else the first up interface on a
// link with an address of the family, like a default route.
func (h *Host) routeLocked(v4 bool, dst netip.Addr, ifIndex int) (route, error) {
	var out *iface
	if ifIndex != 0 {
		if out = h.byIndexLocked(ifIndex); out == nil {
			return route{}, fmt.Errorf("interface index %d: %w", ifIndex, ErrNoInterface)
		}
	}
	if a := dst.WithZone(""); !dst.IsMulticast() && (a.IsLoopback() || h.ownsLocked(a)) {
		return route{out: h.ifaces[0], src: a, local: true}, nil
	}
	if out == nil {
		var err error
		if out, err = h.pickLocked(v4, dst); err != nil {
			return route{}, err
		}
	}
	if !out.up {
		return route{}, fmt.Errorf("%s: %w", out.name, ErrInterfaceDown)
	}
	src := out.source(v4, dst)
	if !src.IsValid() {
		return route{}, fmt.Errorf("%s: %w", out.name, ErrNoAddress)
	}
	return route{out: out, src: src}, nil
}

func (h *Host) ownsLocked(a netip.Addr) bool {
	for _, ifc := range h.ifaces {
		for _, p := range ifc.prefixes {
			if p.Addr() == a {
				return true
			}
		}
	}
	return false
}

func (h *Host) pickLocked(v4 bool, dst netip.Addr) (*iface, error) {
	usable := func(ifc *iface) bool { return ifc.up && !ifc.loopback && ifc.link != nil }
	if dst.IsMulticast() {
		for _, ifc := range h.ifaces {
			if usable(ifc) && ifc.multicast {
				return ifc, nil
			}
		}
		return nil, fmt.Errorf("no multicast interface: %w", ErrNoInterface)
	}
	if !v4 && dst.IsLinkLocalUnicast() {
		zone := dst.Zone()
		ifc := h.byNameLocked(zone)
		if i, err := strconv.Atoi(zone); err == nil && ifc == nil {
			ifc = h.byIndexLocked(i)
		}
		if ifc == nil {
			return nil, fmt.Errorf("link-local destination %v needs a zone or an interface index: %w", dst, ErrNoInterface)
		}
		return ifc, nil
	}
	a := dst.WithZone("")
	for _, ifc := range h.ifaces {
		for _, p := range ifc.prefixes {
			if usable(ifc) && p.Contains(a) {
				return ifc, nil
			}
		}
	}
	for _, ifc := range h.ifaces {
		for _, p := range ifc.prefixes {
			if usable(ifc) && p.Addr().Is4() == v4 {
				return ifc, nil
			}
		}
	}
	return nil, fmt.Errorf("no route to %v: %w", dst, ErrNoInterface)
}

// source picks the interface's address to send to dst from: its first
// address of the family, except that IPv6 multicast and link-local
// destinations get the link-local address, as real stacks choose it, and
// unicast prefers an address whose prefix holds dst.
func (ifc *iface) source(v4 bool, dst netip.Addr) netip.Addr {
	var first, match, ll netip.Addr
	d := dst.WithZone("")
	for _, p := range ifc.prefixes {
		a := p.Addr()
		if a.Is4() != v4 {
			continue
		}
		if !v4 && a.IsLinkLocalUnicast() {
			if !ll.IsValid() {
				ll = a
			}
			continue
		}
		if !first.IsValid() {
			first = a
		}
		if !match.IsValid() && !d.IsMulticast() && p.Contains(d) {
			match = a
		}
	}
	var pick netip.Addr
	switch {
	case !v4 && (d.IsMulticast() || d.IsLinkLocalUnicast()) && ll.IsValid():
		pick = ll
	case match.IsValid():
		pick = match
	case first.IsValid():
		pick = first
	default:
		pick = ll
	}
	return zoned(pick, ifc.name)
}
