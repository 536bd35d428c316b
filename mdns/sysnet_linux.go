package mdns

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

const (
	// The interface in IP_PKTINFO / IPV6_PKTINFO overrides the socket's
	// multicast interface (ip_cmsg_send sets the output interface before
	// udp_sendmsg falls back to IP_MULTICAST_IF), so sends need no lock.
	sysPacketInfoSelectsMulticastIf = true
	sysSendPacketInfo               = true
	sysReadsWSAMsg                  = false
)

// sysOptionNumber maps the names of sysSockoptPlan to Linux's numbers.
// The options x/net sets are listed too, for the tests that read every
// row back from a real socket.
func sysOptionNumber(name string) (level, opt int, ok bool) {
	switch name {
	case "SO_REUSEADDR":
		return unix.SOL_SOCKET, unix.SO_REUSEADDR, true
	case "SO_REUSEPORT":
		return unix.SOL_SOCKET, unix.SO_REUSEPORT, true
	case "IP_MULTICAST_ALL":
		return unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, true
	case "IPV6_MULTICAST_ALL":
		return unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, true
	case "IPV6_V6ONLY":
		return unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, true
	case "IP_PKTINFO":
		return unix.IPPROTO_IP, unix.IP_PKTINFO, true
	case "IPV6_RECVPKTINFO":
		return unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, true
	case "IP_MULTICAST_TTL":
		return unix.IPPROTO_IP, unix.IP_MULTICAST_TTL, true
	case "IP_TTL":
		return unix.IPPROTO_IP, unix.IP_TTL, true
	case "IP_MULTICAST_LOOP":
		return unix.IPPROTO_IP, unix.IP_MULTICAST_LOOP, true
	case "IPV6_MULTICAST_HOPS":
		return unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_HOPS, true
	case "IPV6_UNICAST_HOPS":
		return unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, true
	case "IPV6_MULTICAST_LOOP":
		return unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_LOOP, true
	}
	return 0, 0, false
}

// sysInterface names interface ifIndex for a socket option. Linux takes
// the index alone (ip_mreqn, ipv6_mreq), which still works for leaving a
// group on an interface that has just disappeared.
func sysInterface(ifIndex int) (*net.Interface, error) {
	if ifIndex <= 0 {
		return nil, fmt.Errorf("%w: index %d", sysErrNoInterface, ifIndex)
	}
	return &net.Interface{Index: ifIndex}, nil
}
