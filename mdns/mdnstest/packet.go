package mdnstest

import (
	"net/netip"
	"slices"
	"time"
)

// A Packet is one datagram put on a [Link], as recorded in the link's log
// and shown to taps and hooks.
type Packet struct {
	// Seq numbers the packets of a link in the order they were sent,
	// from 1.
	Seq uint64
	// Time is when the packet was sent (virtual time inside a synctest
	// bubble), so tests can assert exact protocol timing.
	Time time.Time
	// Host and IfName name the sending host and interface and IfIndex is
	// the interface's index on that host. Host is "" for [Link.Inject].
	Host    string
	IfName  string
	IfIndex int
	// Src is the sender's address and port; an IPv6 link-local Src carries
	// the sending interface's zone. Dst is the group or unicast destination.
	Src, Dst netip.AddrPort
	// Data is the UDP payload as it travels the link (after a hook changed
	// it). It is shared with the log and the receivers: do not modify it
	// outside a hook.
	Data []byte
	// OverMTU reports a datagram larger than the sending interface's MTU
	// (payload plus IP and UDP headers). The link still delivers it, as IP
	// fragmentation would, but RFC 6762 §17 says an mDNS sender should not
	// produce it.
	OverMTU bool
	// Dropped says why no socket across the link received the packet (the
	// sender's own loopback copy does not count); "" if one did.
	// Deliveries lists who did, and the loopback copy.
	Dropped    DropReason
	Deliveries []Delivery
}

// A Delivery is one arrival of a packet at a host interface.
type Delivery struct {
	// Time is when the datagram arrived: the send time plus any delay.
	Time time.Time
	// Host is the receiving host and IfIndex the receiving interface on it.
	Host    string
	IfIndex int
	// Copy is 0 for the original and 1 for a duplicate made by the
	// Duplicate fault.
	Copy int
	// Loopback marks the copy a host gets of its own multicast
	// (IP_MULTICAST_LOOP). It never touches the wire, so faults do not
	// apply to it.
	Loopback bool
	// Sockets counts the sockets that queued the datagram; QueueFull the
	// sockets that dropped it because their receive queue was full.
	Sockets   int
	QueueFull int
}

// A DropReason says why a packet reached no socket.
type DropReason string

// Reasons a packet is dropped.
const (
	DropLoss       DropReason = "loss"        // the Loss fault
	DropHook       DropReason = "hook"        // the Hook returned Drop
	DropNoHost     DropReason = "no host"     // unicast to an address no interface on the link has
	DropNoListener DropReason = "no listener" // no socket joined the group / bound the port
	DropQueueFull  DropReason = "queue full"  // every matching socket's receive queue was full
	DropLinkClosed DropReason = "link closed" // sent on, or still in flight on, a closed link
)

// A Verdict is a hook's decision about a packet.
type Verdict int

const (
	// Deliver lets the packet go on; the random faults still apply.
	Deliver Verdict = iota
	// Drop discards the packet.
	Drop
)

// Stats counts what happened on a link since it was created.
type Stats struct {
	Sent        int // packets put on the link (loopback-only sends excluded)
	Delivered   int // datagrams queued on a socket, loopback copies included
	Lost        int // packets dropped by the Loss fault
	HookDropped int // packets the Hook dropped
	Duplicated  int // packets the Duplicate fault sent twice
	Reordered   int // copies held back by the Reorder fault
	NoHost      int // unicast packets to an address nobody on the link has
	NoListener  int // packets no socket received although nothing dropped them
	QueueFull   int // datagrams dropped at a full socket receive queue
	OverMTU     int // packets larger than the sending interface's MTU
}

// record is the link's state for one packet. Guarded by Link.mu.
type record struct {
	p       Packet
	from    *iface // sending interface; nil for Inject
	pending int    // copies still in flight
	noHost  bool   // a unicast copy found no interface with its address
	sockets int    // sockets that queued a copy, loopback included
	full    int    // sockets that dropped a copy at a full queue
}

func (r *record) snapshot() Packet {
	p := r.p
	p.Deliveries = slices.Clone(p.Deliveries)
	return p
}
