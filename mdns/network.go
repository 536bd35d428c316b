package mdns

import (
	"context"
	"net/netip"
)

// Port is the mDNS port (RFC 6762 §3).
const Port = 5353

// The mDNS multicast groups (RFC 6762 §3). Unexported, so that no program
// can reassign them; GroupIPv4 and GroupIPv6 return them.
var (
	groupIPv4 = netip.AddrFrom4([4]byte{224, 0, 0, 251})
	groupIPv6 = netip.AddrFrom16([16]byte{0: 0xff, 1: 0x02, 15: 0xfb})
)

// GroupIPv4 returns the IPv4 mDNS multicast group, 224.0.0.251
// (RFC 6762 §3).
func GroupIPv4() netip.Addr { return groupIPv4 }

// GroupIPv6 returns the IPv6 mDNS multicast group, ff02::fb (RFC 6762 §3).
func GroupIPv6() netip.Addr { return groupIPv6 }

// MaxPacketSize is the largest mDNS message sent or accepted, even with IP
// fragmentation (RFC 6762 §17).
const MaxPacketSize = 9000

// PacketInfo describes where a received datagram came from.
type PacketInfo struct {
	// Src is the sender's address and port. IPv6 link-local sources carry
	// the zone of the receiving interface.
	Src netip.AddrPort
	// Dst is the destination address of the datagram: the multicast group
	// for multicast, one of this host's addresses for unicast.
	Dst netip.Addr
	// IfIndex is the index of the interface the datagram arrived on.
	IfIndex int
}

// A PacketConn is one UDP socket of one address family bound to an mDNS
// port. The real transport (x/net ipv4/ipv6 with packet-info control
// messages) and the in-memory link of package mdnstest both implement it,
// so the protocol code cannot tell them apart.
//
// ReadFrom and WriteTo may be called concurrently with each other; Close
// unblocks a pending ReadFrom, which then returns an error wrapping
// net.ErrClosed.
type PacketConn interface {
	// ReadFrom reads one datagram into b. A datagram longer than b is
	// truncated to len(b); callers detect oversized datagrams by passing a
	// buffer one byte longer than they accept.
	ReadFrom(b []byte) (n int, info PacketInfo, err error)
	// WriteTo sends b to dst. For a multicast dst the datagram leaves
	// through interface ifIndex, with IP TTL / hop limit 255 (RFC 6762
	// §11); for a unicast dst ifIndex selects the outgoing interface when
	// nonzero.
	WriteTo(b []byte, dst netip.AddrPort, ifIndex int) (int, error)
	// JoinGroup joins the family's mDNS group on interface ifIndex;
	// LeaveGroup leaves it. Joining twice is not an error.
	JoinGroup(ifIndex int) error
	LeaveGroup(ifIndex int) error
	Close() error
}

// Interface describes one network interface as the protocol sees it.
type Interface struct {
	Index int
	Name  string
	// MTU bounds the size of the messages sent on the interface
	// (RFC 6762 §17).
	MTU       int
	Up        bool
	Multicast bool
	Loopback  bool
	// Prefixes are the interface's addresses with their on-link prefix
	// lengths. netip.Prefix holds no zone: the zone of a link-local
	// address is the interface's Name.
	Prefixes []netip.Prefix
}

// A Network is what the protocol engine needs from a host: its name, its
// interfaces, notice when they change, and mDNS sockets. SystemNetwork is
// the machine's real network; package mdnstest provides simulated hosts.
type Network interface {
	// Hostname returns the host's name without domain, e.g. "h1".
	Hostname() (string, error)
	// Interfaces lists the host's interfaces.
	Interfaces() ([]Interface, error)
	// WatchInterfaces calls changed (from the calling goroutine) whenever
	// the interfaces or their addresses may have changed, until ctx is
	// done; it then returns ctx.Err(). Implementations that cannot watch
	// poll. The caller lists the interfaces once more after
	// WatchInterfaces has had a moment to start, so a change between its
	// first listing and the start of the watch is not lost.
	WatchInterfaces(ctx context.Context, changed func()) error
	// ListenPacket opens a socket for network "udp4" or "udp6" bound to
	// the wildcard address on port, sharing the port with the host's other
	// mDNS software, with multicast loopback on, and reporting the
	// receiving interface of every datagram. SystemNetwork's socket
	// options per platform are documented in the README ("Platforms").
	ListenPacket(network string, port int) (PacketConn, error)
}
