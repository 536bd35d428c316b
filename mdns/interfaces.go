package mdns

import (
	"slices"
)

// refreshInterfaces reconciles the served interfaces with the Network's
// list: new ones are joined and announced on, vanished ones withdrawn,
// address changes re-announced (RFC 6762 §8: a link change restarts
// probing and announcing on that interface).
func (c *Conn) refreshInterfaces() {
	list, err := c.net.Interfaces()
	if err != nil {
		c.logf("listing interfaces: %v", err)
		return
	}
	seen := make(map[int]bool)
	for _, it := range list {
		if !c.eligible(it) {
			continue
		}
		seen[it.Index] = true
		old := c.ifaces[it.Index]
		if old == nil {
			ifi := &ifaceState{Interface: it}
			c.joinFamilies(ifi)
			if !ifi.v4 && !ifi.v6 {
				continue
			}
			c.ifaces[it.Index] = ifi
			c.logf("serving interface %s", it.Name)
			c.resp.ifaceUp(ifi)
			c.qr.ifaceUp(ifi)
			continue
		}
		if sameAddrs(old.Prefixes, it.Prefixes) && old.MTU == it.MTU && old.Name == it.Name {
			continue
		}
		prev := *old
		old.Interface = it
		c.joinFamilies(old)
		if !old.v4 && !old.v6 {
			c.dropIface(old)
			continue
		}
		c.resp.ifaceChanged(old, &prev)
		c.qr.ifaceChanged(old)
	}
	for idx, ifi := range c.ifaces {
		if !seen[idx] {
			c.dropIface(ifi)
		}
	}
}

func (c *Conn) dropIface(ifi *ifaceState) {
	delete(c.ifaces, ifi.Index)
	c.logf("interface %s gone", ifi.Name)
	if ifi.v4 && c.socks[0] != nil {
		c.socks[0].LeaveGroup(ifi.Index)
	}
	if ifi.v6 && c.socks[1] != nil {
		c.socks[1].LeaveGroup(ifi.Index)
	}
	c.resp.ifaceDown(ifi)
	c.qr.ifaceDown(ifi)
}

// eligible applies Config.Interfaces and the default choice: up,
// multicast-capable, not loopback unless named.
func (c *Conn) eligible(it Interface) bool {
	if !it.Up {
		return false
	}
	if len(c.cfg.Interfaces) > 0 {
		return slices.Contains(c.cfg.Interfaces, it.Name) && (it.Multicast || it.Loopback)
	}
	return it.Multicast && !it.Loopback
}

// joinFamilies joins or leaves each family's group on ifi according to
// whether the interface has an address of that family.
func (c *Conn) joinFamilies(ifi *ifaceState) {
	for i, s := range c.socks {
		v6 := i == 1
		want := s != nil && ifi.hasFamily(v6)
		have := ifi.v4
		if v6 {
			have = ifi.v6
		}
		switch {
		case want && !have:
			if err := s.JoinGroup(ifi.Index); err != nil {
				c.logf("joining the mDNS group on %s: %v", ifi.Name, err)
				want = false
			}
		case !want && have && s != nil:
			s.LeaveGroup(ifi.Index)
		}
		if v6 {
			ifi.v6 = want
		} else {
			ifi.v4 = want
		}
	}
}

func (c *Conn) sortedIfaces() []*ifaceState {
	out := make([]*ifaceState, 0, len(c.ifaces))
	for _, ifi := range c.ifaces {
		out = append(out, ifi)
	}
	slices.SortFunc(out, func(a, b *ifaceState) int { return a.Index - b.Index })
	return out
}
