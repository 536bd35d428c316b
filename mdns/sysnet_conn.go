package mdns

import (
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"sync"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// sysConn is a PacketConn over one real UDP socket. Exactly one of p4 and
// p6 is set; both wrap uc.
type sysConn struct {
	uc *net.UDPConn
	v6 bool
	p4 *ipv4.PacketConn
	p6 *ipv6.PacketConn
	// win reads on Windows, where x/net reports no packet info.
	win *sysWinReader
	// share is how the socket shares the port (sysSharePort: it joined
	// the reuseport group of the socket that holds it).
	share sysShare

	// mu guards mcastIf, the socket's current multicast interface, on
	// platforms where the per-packet interface does not steer multicast.
	mu      sync.Mutex
	mcastIf int

	// joined holds the interfaces the group was joined on. ReadFrom
	// drops the group's datagrams that arrive on an interface this socket
	// did not join: Linux filters IPv6 group traffic by group only
	// (inet6_mc_check ignores the interface), and with sysSharePort
	// IP_MULTICAST_ALL stays on, so the kernel does not filter IPv4
	// either.
	joinedMu sync.Mutex
	joined   map[int]bool

	closeOnce sync.Once
}

// ReadFrom reads one datagram. A datagram longer than b is truncated and
// n == len(b) (the kernel's MSG_TRUNC is not reported), so callers pass a
// buffer one byte longer than the largest datagram they accept.
func (c *sysConn) ReadFrom(b []byte) (int, PacketInfo, error) {
	for {
		n, info, err := c.readOne(b)
		if err != nil || c.wanted(info) {
			return n, info, err
		}
	}
}

// wanted reports whether a datagram is for this socket: anything but the
// group, or the group on an interface the socket joined it on.
func (c *sysConn) wanted(info PacketInfo) bool {
	if info.IfIndex == 0 || info.Dst != c.group() {
		return true
	}
	c.joinedMu.Lock()
	defer c.joinedMu.Unlock()
	return c.joined[info.IfIndex]
}

func (c *sysConn) readOne(b []byte) (int, PacketInfo, error) {
	if c.win != nil {
		return c.win.ReadFrom(b)
	}
	var (
		n       int
		src     net.Addr
		dst     net.IP
		ifIndex int
		err     error
	)
	if c.v6 {
		var cm *ipv6.ControlMessage
		n, cm, src, err = c.p6.ReadFrom(b)
		if cm != nil {
			dst, ifIndex = cm.Dst, cm.IfIndex
		}
	} else {
		var cm *ipv4.ControlMessage
		n, cm, src, err = c.p4.ReadFrom(b)
		if cm != nil {
			dst, ifIndex = cm.Dst, cm.IfIndex
		}
	}
	if err != nil {
		return 0, PacketInfo{}, fmt.Errorf("mdns: read: %w", err)
	}
	info := PacketInfo{IfIndex: ifIndex}
	if ua, ok := src.(*net.UDPAddr); ok {
		info.Src = sysSource(ua.AddrPort(), ifIndex)
	}
	if d, ok := netip.AddrFromSlice(dst); ok {
		info.Dst = d.Unmap()
	}
	return n, info, nil
}

// sysSource converts a datagram's source: IPv4-mapped addresses unmapped,
// and link-local IPv6 addresses zoned with the receiving interface. The
// kernel sets the source's scope id to the receiving interface and the
// net package turns it into the interface name through its cached index
// table.
func sysSource(src netip.AddrPort, ifIndex int) netip.AddrPort {
	a := src.Addr()
	if !a.IsValid() {
		return netip.AddrPort{}
	}
	zone := a.Zone()
	a = a.Unmap()
	if a.Is6() && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
		if zone == "" && ifIndex > 0 {
			zone = strconv.Itoa(ifIndex)
		}
		a = a.WithZone(zone)
	} else {
		a = a.WithZone("")
	}
	return netip.AddrPortFrom(a, src.Port())
}

// WriteTo sends b to dst out of interface ifIndex (0: the kernel chooses).
func (c *sysConn) WriteTo(b []byte, dst netip.AddrPort, ifIndex int) (int, error) {
	a := dst.Addr()
	if c.v6 {
		if !a.Is6() || a.Is4In6() {
			return 0, fmt.Errorf("mdns: write to %v: not an IPv6 address", dst)
		}
	} else {
		a = a.Unmap()
		if !a.Is4() {
			return 0, fmt.Errorf("mdns: write to %v: not an IPv4 address", dst)
		}
	}
	ua := &net.UDPAddr{IP: a.AsSlice(), Port: int(dst.Port()), Zone: a.Zone()}
	if ua.Zone == "" && ifIndex > 0 && c.v6 && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
		// Platforms without IPV6_PKTINFO still need a scope.
		ua.Zone = strconv.Itoa(ifIndex)
	}
	if a.IsMulticast() && ifIndex > 0 && !sysPacketInfoSelectsMulticastIf {
		c.mu.Lock()
		defer c.mu.Unlock()
		if err := c.setMulticastInterface(ifIndex); err != nil {
			return 0, fmt.Errorf("mdns: write to %v on interface %d: %w", dst, ifIndex, err)
		}
	}
	var (
		n   int
		err error
	)
	if c.v6 {
		var cm *ipv6.ControlMessage
		if ifIndex > 0 && sysSendPacketInfo {
			cm = &ipv6.ControlMessage{IfIndex: ifIndex}
		}
		n, err = c.p6.WriteTo(b, cm, ua)
	} else {
		var cm *ipv4.ControlMessage
		if ifIndex > 0 && sysSendPacketInfo {
			cm = &ipv4.ControlMessage{IfIndex: ifIndex}
		}
		n, err = c.p4.WriteTo(b, cm, ua)
	}
	if err != nil {
		return n, fmt.Errorf("mdns: write to %v on interface %d: %w", dst, ifIndex, err)
	}
	return n, nil
}

// setMulticastInterface points the socket's multicast output at ifIndex;
// c.mu must be held.
func (c *sysConn) setMulticastInterface(ifIndex int) error {
	if c.mcastIf == ifIndex {
		return nil
	}
	ifi, err := sysInterface(ifIndex)
	if err != nil {
		return err
	}
	if c.v6 {
		err = c.p6.SetMulticastInterface(ifi)
	} else {
		err = c.p4.SetMulticastInterface(ifi)
	}
	if err != nil {
		return err
	}
	c.mcastIf = ifIndex
	return nil
}

// Close closes the socket, unblocking a pending ReadFrom; later calls
// return nil.
func (c *sysConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		if c.v6 {
			err = c.p6.Close()
		} else {
			err = c.p4.Close()
		}
	})
	if err != nil {
		return fmt.Errorf("mdns: close: %w", err)
	}
	return nil
}
