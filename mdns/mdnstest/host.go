package mdnstest

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"sync"

	"github.com/mdnskit/mdnskit/mdns"
)

// HostConfig configures a [Host]. The zero value is a host named "host"
// with multicast loopback on, like Linux.
type HostConfig struct {
	// Name is what Hostname returns.
	Name string
	// NoMulticastLoopback turns IP_MULTICAST_LOOP off for the host's
	// sockets: a host then never hears its own multicast.
	NoMulticastLoopback bool
	// ReceiveQueue bounds each socket's queue of unread datagrams, like a
	// socket buffer; more are dropped and counted. Zero means 256.
	ReceiveQueue int
}

const defaultReceiveQueue = 256

// InterfaceConfig describes an interface to add to a host. The zero value
// is an up, multicast-capable interface named eth<n> with MTU 1500 and no
// address.
type InterfaceConfig struct {
	Name string
	MTU  int
	// Prefixes are the interface's addresses with their on-link prefix
	// lengths, e.g. 10.0.0.1/24, fd00::1/64, fe80::1/64.
	Prefixes    []netip.Prefix
	Down        bool
	NoMulticast bool
}

// A Host is a simulated machine: a name, interfaces attached to links, and
// UDP sockets. It implements [mdns.Network], so the protocol engine runs on
// it exactly as on [mdns.SystemNetwork]. It is safe for concurrent use.
//
// Every host has a loopback interface, lo, with index 1 and addresses
// 127.0.0.1/8 and ::1/128; interfaces added later get the next indexes,
// which are never reused.
type Host struct {
	name      string
	loop      bool
	queueSize int

	mu        sync.Mutex
	ifaces    []*iface // by index
	nextIndex int
	nextEth   int
	socks     []*conn // in the order they were opened
	ephemeral [2]int  // last ephemeral port handed out, per family
	gen       uint64  // counts interface changes
	changed   chan struct{}
	closed    bool
}

// iface is one interface of a host. host, link, index and name are fixed;
// the rest is guarded by host.mu.
type iface struct {
	host  *Host
	link  *Link // nil: not attached (lo, or a cable to nowhere)
	index int
	name  string

	mtu       int
	up        bool
	multicast bool
	loopback  bool
	prefixes  []netip.Prefix
	removed   bool
}

// NewHost returns a host with only its loopback interface. Attach it to
// links with [Host.AddInterface], or use [Link.AddHost].
func NewHost(cfg HostConfig) *Host {
	h := &Host{
		name:      cfg.Name,
		loop:      !cfg.NoMulticastLoopback,
		queueSize: cfg.ReceiveQueue,
		nextIndex: 1,
		changed:   make(chan struct{}),
	}
	if h.name == "" {
		h.name = "host"
	}
	if h.queueSize <= 0 {
		h.queueSize = defaultReceiveQueue
	}
	h.ifaces = []*iface{{
		host: h, index: 1, name: "lo", mtu: 65536, up: true, loopback: true,
		prefixes: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/8"), netip.MustParsePrefix("::1/128")},
	}}
	return h
}

// Hostname returns the host's name.
func (h *Host) Hostname() (string, error) { return h.name, nil }

// Interfaces lists the host's interfaces by index. IPv6 link-local
// prefixes have no zone: a netip.Prefix cannot carry one.
func (h *Host) Interfaces() ([]mdns.Interface, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("mdnstest: interfaces of %s: %w", h.name, net.ErrClosed)
	}
	out := make([]mdns.Interface, 0, len(h.ifaces))
	for _, ifc := range h.ifaces {
		out = append(out, mdns.Interface{
			Index: ifc.index, Name: ifc.name, MTU: ifc.mtu,
			Up: ifc.up, Multicast: ifc.multicast, Loopback: ifc.loopback,
			Prefixes: slices.Clone(ifc.prefixes),
		})
	}
	return out, nil
}

// WatchInterfaces calls changed after every change to the host's
// interfaces or addresses made after it started (several quick changes
// may be reported once) until ctx is done, and then returns ctx.Err().
// Between changes it blocks on a channel, which is durable in a synctest
// bubble.
func (h *Host) WatchInterfaces(ctx context.Context, changed func()) error {
	h.mu.Lock()
	seen := h.gen
	h.mu.Unlock()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		h.mu.Lock()
		gen, ch := h.gen, h.changed
		h.mu.Unlock()
		if gen != seen {
			seen = gen
			changed()
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-ch:
		}
	}
}

// notifyLocked wakes the watchers.
func (h *Host) notifyLocked() {
	h.gen++
	close(h.changed)
	h.changed = make(chan struct{})
}

// AddInterface adds an interface attached to l (nil: attached to nothing)
// and returns its index.
func (h *Host) AddInterface(l *Link, cfg InterfaceConfig) (int, error) {
	prefixes, err := checkPrefixes(cfg.Prefixes)
	if err != nil {
		return 0, err
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return 0, fmt.Errorf("mdnstest: add interface to %s: %w", h.name, net.ErrClosed)
	}
	name := cfg.Name
	if name == "" {
		for name = fmt.Sprintf("eth%d", h.nextEth); h.byNameLocked(name) != nil; name = fmt.Sprintf("eth%d", h.nextEth) {
			h.nextEth++
		}
	}
	if h.byNameLocked(name) != nil {
		h.mu.Unlock()
		return 0, fmt.Errorf("mdnstest: %s already has an interface %q", h.name, name)
	}
	h.nextIndex++
	ifc := &iface{
		host: h, link: l, index: h.nextIndex, name: name,
		mtu: cfg.MTU, up: !cfg.Down, multicast: !cfg.NoMulticast, prefixes: prefixes,
	}
	if ifc.mtu <= 0 {
		ifc.mtu = 1500
	}
	h.ifaces = append(h.ifaces, ifc)
	h.notifyLocked()
	h.mu.Unlock()
	if l != nil {
		l.attach(ifc)
	}
	return ifc.index, nil
}

// RemoveInterface unplugs an interface: sockets lose their memberships on
// it and it never sends or receives again.
func (h *Host) RemoveInterface(name string) error {
	h.mu.Lock()
	ifc, err := h.lookupLocked(name)
	if err == nil && ifc.loopback {
		err = fmt.Errorf("mdnstest: %s: cannot remove the loopback interface", h.name)
	}
	if err != nil {
		h.mu.Unlock()
		return err
	}
	ifc.removed = true
	h.ifaces = slices.DeleteFunc(h.ifaces, func(x *iface) bool { return x == ifc })
	for _, c := range h.socks {
		delete(c.joined, ifc.index)
	}
	h.notifyLocked()
	h.mu.Unlock()
	if ifc.link != nil {
		ifc.link.detach(ifc)
	}
	return nil
}

// AddPrefix adds an address to an interface; adding one it has is a no-op.
func (h *Host) AddPrefix(name string, p netip.Prefix) error {
	ps, err := checkPrefixes([]netip.Prefix{p})
	if err != nil {
		return err
	}
	return h.change(name, func(ifc *iface) bool {
		if slices.Contains(ifc.prefixes, ps[0]) {
			return false
		}
		ifc.prefixes = append(ifc.prefixes, ps[0])
		return true
	})
}

// RemovePrefix removes an address from an interface; removing one it does
// not have is a no-op.
func (h *Host) RemovePrefix(name string, p netip.Prefix) error {
	return h.change(name, func(ifc *iface) bool {
		n := len(ifc.prefixes)
		ifc.prefixes = slices.DeleteFunc(ifc.prefixes, func(x netip.Prefix) bool { return x == p })
		return len(ifc.prefixes) != n
	})
}

// SetUp brings an interface up or down. A down interface neither sends
// nor receives; sockets keep their memberships on it.
func (h *Host) SetUp(name string, up bool) error {
	return h.change(name, func(ifc *iface) bool {
		if ifc.up == up {
			return false
		}
		ifc.up = up
		return true
	})
}

func (h *Host) change(name string, fn func(*iface) bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	ifc, err := h.lookupLocked(name)
	if err != nil {
		return err
	}
	if fn(ifc) {
		h.notifyLocked()
	}
	return nil
}

// Addrs returns the addresses of interface name, link-local ones with the
// interface's zone; nil if there is no such interface.
func (h *Host) Addrs(name string) []netip.Addr {
	h.mu.Lock()
	defer h.mu.Unlock()
	ifc := h.byNameLocked(name)
	if ifc == nil {
		return nil
	}
	var out []netip.Addr
	for _, p := range ifc.prefixes {
		out = append(out, zoned(p.Addr(), ifc.name))
	}
	return out
}

// Close takes the host off its links and closes its sockets, unblocking
// their readers. Close is idempotent.
func (h *Host) Close() error {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil
	}
	h.closed = true
	ifaces, socks := h.ifaces, slices.Clone(h.socks)
	for _, ifc := range ifaces {
		ifc.removed = true
	}
	h.ifaces = nil
	h.notifyLocked()
	h.mu.Unlock()
	for _, c := range socks {
		c.Close()
	}
	for _, ifc := range ifaces {
		if ifc.link != nil {
			ifc.link.detach(ifc)
		}
	}
	return nil
}

func (h *Host) lookupLocked(name string) (*iface, error) {
	if h.closed {
		return nil, fmt.Errorf("mdnstest: %s: %w", h.name, net.ErrClosed)
	}
	ifc := h.byNameLocked(name)
	if ifc == nil {
		return nil, fmt.Errorf("mdnstest: %s: interface %q: %w", h.name, name, ErrNoInterface)
	}
	return ifc, nil
}

func (h *Host) byNameLocked(name string) *iface {
	for _, ifc := range h.ifaces {
		if ifc.name == name {
			return ifc
		}
	}
	return nil
}

func (h *Host) byIndexLocked(index int) *iface {
	for _, ifc := range h.ifaces {
		if ifc.index == index {
			return ifc
		}
	}
	return nil
}

// alive reports whether ifc is still part of h.
func (h *Host) alive(ifc *iface) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return !ifc.removed
}

// has reports whether ifc is up and has addr (without zone).
func (h *Host) has(ifc *iface, addr netip.Addr) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if ifc.removed || !ifc.up {
		return false
	}
	for _, p := range ifc.prefixes {
		if p.Addr() == addr {
			return true
		}
	}
	return false
}

func (ifc *iface) mtuSnapshot() int {
	ifc.host.mu.Lock()
	defer ifc.host.mu.Unlock()
	return ifc.mtu
}

// receive queues a datagram that arrived on ifc on the sockets it is for
// and reports how many queued it and how many had a full queue.
// Multicast goes to every socket of the family bound to the port that
// joined the group on ifc (IP_MULTICAST_ALL off); unicast goes to one
// socket bound to the port, the most recently opened, as Linux gives a
// unicast datagram to one of the sockets sharing a port.
func (h *Host) receive(ifc *iface, src, dst netip.AddrPort, data []byte, multicast bool) (queued, full int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || ifc.removed || !ifc.up {
		return 0, 0
	}
	v4 := dst.Addr().Is4()
	d := datagram{data: data, info: mdns.PacketInfo{
		Src:     netip.AddrPortFrom(zoned(src.Addr(), ifc.name), src.Port()),
		Dst:     dst.Addr().WithZone(""),
		IfIndex: ifc.index,
	}}
	if multicast && dst.Addr() != group(v4) {
		return 0, 0 // JoinGroup joins only the mDNS group
	}
	for i := len(h.socks) - 1; i >= 0; i-- {
		c := h.socks[i]
		if c.v4 != v4 || c.port != dst.Port() || multicast && !c.joined[ifc.index] {
			continue
		}
		if c.enqueue(d) {
			queued++
		} else {
			full++
		}
		if !multicast {
			break
		}
	}
	return queued, full
}

func group(v4 bool) netip.Addr {
	if v4 {
		return mdns.GroupIPv4()
	}
	return mdns.GroupIPv6()
}

// zoned gives an IPv6 link-local address the zone of the interface it is
// seen on, and strips the zone from any other address.
func zoned(a netip.Addr, zone string) netip.Addr {
	if a.Is6() && (a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast()) {
		return a.WithZone(zone)
	}
	return a.WithZone("")
}

func checkPrefixes(ps []netip.Prefix) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(ps))
	for _, p := range ps {
		if !p.IsValid() || p.Addr().Is4In6() || p.Addr().IsUnspecified() || p.Addr().IsMulticast() {
			return nil, fmt.Errorf("mdnstest: invalid interface address %v", p)
		}
		out = append(out, p)
	}
	return out, nil
}
