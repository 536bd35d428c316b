package mdns

import (
	"context"
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
	loopback := c.loopbackFallback(list)
	for _, it := range list {
		if !c.eligible(it, loopback) {
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
// multicast-capable, not loopback unless named — or, with loopback set
// (see loopbackFallback), the loopback interfaces.
func (c *Conn) eligible(it Interface, loopback bool) bool {
	if !it.Up || c.excluded(it.Name) {
		return false
	}
	if len(c.cfg.Interfaces) > 0 {
		return matchAny(c.cfg.Interfaces, it.Name) && (it.Multicast || it.Loopback)
	}
	if loopback {
		return it.Loopback
	}
	return it.Multicast && !it.Loopback
}

// loopbackFallback reports whether the default choice falls back to the
// loopback interface: no other interface is up, multicast-capable and
// addressed (an offline laptop, a CI box). Loopback is then the link, and
// processes on this machine still find each other. Only packets sent on
// this machine arrive there, so it opens no way in from off the link.
// Once a real interface comes up, it replaces loopback.
// MachineLocal reports whether every interface the Conn serves is a
// loopback interface: discovery then reaches the programs of this machine
// only (an offline machine, see Interfaces).
func (c *Conn) MachineLocal() bool {
	ifs := c.Interfaces()
	return len(ifs) > 0 && !slices.ContainsFunc(ifs, func(it Interface) bool { return !it.Loopback })
}

func (c *Conn) loopbackFallback(list []Interface) bool {
	if len(c.cfg.Interfaces) > 0 {
		return false
	}
	return !slices.ContainsFunc(list, func(it Interface) bool {
		return it.Up && it.Multicast && !it.Loopback && len(it.Prefixes) > 0 && !c.excluded(it.Name)
	})
}

// Interfaces returns the interfaces the Conn serves now, in index order:
// the named ones, or by default every up, multicast-capable interface with
// an address — or, when there is none, the loopback interface, so that
// discovery works between the programs of this machine (all Loopback:
// nothing beyond this machine is reached).
func (c *Conn) Interfaces() []Interface {
	var out []Interface
	if c.do(context.Background(), func() {
		for _, ifi := range c.sortedIfaces() {
			it := ifi.Interface
			it.Prefixes = slices.Clone(it.Prefixes)
			out = append(out, it)
		}
	}) != nil {
		return nil
	}
	return out
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
				c.joinFailed(ifi, v6, err)
				want = false
			} else {
				c.joined(ifi, v6)
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
