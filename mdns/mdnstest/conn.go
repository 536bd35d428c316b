package mdnstest

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"github.com/mdnskit/mdnskit/mdns"
)

// conn is a UDP socket of a simulated host: an [mdns.PacketConn].
type conn struct {
	host    *Host
	network string
	v4      bool
	port    uint16
	queue   chan datagram // bounded, like a socket buffer
	done    chan struct{} // closed by Close
	once    sync.Once

	// Guarded by host.mu.
	joined map[int]bool // group memberships by interface index
	closed bool
}

type datagram struct {
	data []byte // shared among receivers; never written
	info mdns.PacketInfo
}

var _ mdns.Network = (*Host)(nil)

// ListenPacket opens a socket for "udp4" or "udp6" bound to port on every
// interface. Any number of sockets may share a port (SO_REUSEADDR); port 0
// picks a free ephemeral port (49152–65535). An udp6 socket is IPv6-only.
func (h *Host) ListenPacket(network string, port int) (mdns.PacketConn, error) {
	var v4 bool
	switch network {
	case "udp4":
		v4 = true
	case "udp6":
	default:
		return nil, fmt.Errorf("mdnstest: listen %s: network must be udp4 or udp6", network)
	}
	if port < 0 || port > 65535 {
		return nil, fmt.Errorf("mdnstest: listen %s: invalid port %d", network, port)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, fmt.Errorf("mdnstest: listen %s on %s: %w", network, h.name, net.ErrClosed)
	}
	if port == 0 {
		port = h.ephemeralLocked(v4)
		if port == 0 {
			return nil, fmt.Errorf("mdnstest: listen %s on %s: no free ephemeral port", network, h.name)
		}
	}
	c := &conn{
		host: h, network: network, v4: v4, port: uint16(port),
		queue:  make(chan datagram, h.queueSize),
		done:   make(chan struct{}),
		joined: make(map[int]bool),
	}
	h.socks = append(h.socks, c)
	return c, nil
}

// ephemeralLocked returns the next unused port of the ephemeral range, or
// 0 if all are in use.
func (h *Host) ephemeralLocked(v4 bool) int {
	const lo, hi = 49152, 65535
	fam := 0
	if !v4 {
		fam = 1
	}
	next := func(p int) int {
		if p < lo || p >= hi {
			return lo
		}
		return p + 1
	}
	for p, tries := next(h.ephemeral[fam]), 0; tries <= hi-lo; p, tries = next(p), tries+1 {
		used := false
		for _, c := range h.socks {
			used = used || c.v4 == v4 && int(c.port) == p
		}
		if !used {
			h.ephemeral[fam] = p
			return p
		}
	}
	return 0
}

func (c *conn) closedErr(op string) error {
	return fmt.Errorf("mdnstest: %s %s :%d: %w", op, c.network, c.port, net.ErrClosed)
}

// ReadFrom blocks until a datagram arrives or the socket is closed. It
// waits on channels only, which a synctest bubble treats as durable.
func (c *conn) ReadFrom(b []byte) (int, mdns.PacketInfo, error) {
	select {
	case <-c.done: // closed wins over queued datagrams
		return 0, mdns.PacketInfo{}, c.closedErr("read")
	default:
	}
	select {
	case d := <-c.queue:
		return copy(b, d.data), d.info, nil
	case <-c.done:
		return 0, mdns.PacketInfo{}, c.closedErr("read")
	}
}

// enqueue is called with host.mu held on an open socket.
func (c *conn) enqueue(d datagram) bool {
	select {
	case c.queue <- d:
		return true
	default:
		return false
	}
}

// WriteTo sends b from the socket's port. See [mdns.PacketConn]. A
// multicast with ifIndex 0 leaves through the lowest-indexed up,
// multicast-capable interface that is attached to a link. Unicast to one
// of the host's own addresses is delivered locally through lo.
func (c *conn) WriteTo(b []byte, dst netip.AddrPort, ifIndex int) (int, error) {
	if len(b) > maxPayload(c.v4) {
		return 0, fmt.Errorf("mdnstest: write %d bytes to %v: %w", len(b), dst, ErrTooLarge)
	}
	a := dst.Addr()
	if !dst.IsValid() || a.Is4() != c.v4 || a.Is4In6() || dst.Port() == 0 || a.IsUnspecified() {
		return 0, fmt.Errorf("mdnstest: write %s: bad destination %v", c.network, dst)
	}
	h := c.host
	h.mu.Lock()
	if c.closed {
		h.mu.Unlock()
		return 0, c.closedErr("write")
	}
	r, err := h.routeLocked(c.v4, a, ifIndex)
	h.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("mdnstest: write to %v: %w", dst, err)
	}
	s := send{
		from: r.out,
		src:  netip.AddrPortFrom(r.src, c.port),
		dst:  dst,
		data: bytes.Clone(b), // the caller may reuse b at once
	}
	multicast := a.IsMulticast()
	switch {
	case r.local:
		h.receive(r.out, s.src, s.dst, s.data, false)
	case r.out.link == nil: // no wire: only the host itself can hear it
		if multicast && h.loop {
			h.receive(r.out, s.src, s.dst, s.data, true)
		}
	default:
		s.loopback = multicast && h.loop
		r.out.link.transmit(s)
	}
	return len(b), nil
}

// JoinGroup joins the family's mDNS group on interface ifIndex. Joining
// twice is not an error.
func (c *conn) JoinGroup(ifIndex int) error { return c.membership(ifIndex, true) }

// LeaveGroup leaves the group on ifIndex; leaving a group not joined is
// not an error.
func (c *conn) LeaveGroup(ifIndex int) error { return c.membership(ifIndex, false) }

func (c *conn) membership(ifIndex int, join bool) error {
	h := c.host
	h.mu.Lock()
	defer h.mu.Unlock()
	if c.closed {
		return c.closedErr("join")
	}
	if h.byIndexLocked(ifIndex) == nil {
		return fmt.Errorf("mdnstest: %s: interface index %d: %w", h.name, ifIndex, ErrNoInterface)
	}
	if join {
		c.joined[ifIndex] = true
	} else {
		delete(c.joined, ifIndex)
	}
	return nil
}

// Close closes the socket and unblocks a pending ReadFrom, which returns
// an error wrapping net.ErrClosed. Datagrams still queued are discarded.
// Close is idempotent; the socket has no goroutine to wait for.
func (c *conn) Close() error {
	c.once.Do(func() {
		h := c.host
		h.mu.Lock()
		c.closed = true
		for i, x := range h.socks {
			if x == c {
				h.socks = append(h.socks[:i], h.socks[i+1:]...)
				break
			}
		}
		h.mu.Unlock()
		close(c.done)
	})
	return nil
}
