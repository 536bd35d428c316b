package mdns

import (
	"errors"
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// On Linux the interface in IP_PKTINFO / IPV6_PKTINFO overrides the
// socket's multicast interface (ip_cmsg_send sets the output interface
// before udp_sendmsg falls back to IP_MULTICAST_IF), so sends need no lock.
const (
	sysPacketInfoSelectsMulticastIf = true
	sysControlMessagesRequired      = true
)

// sysSetSockopts runs before bind.
func sysSetSockopts(fd uintptr, v6 bool) error {
	s := int(fd)
	if err := sysSetReuse(s); err != nil {
		return err
	}
	if v6 {
		if err := unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fmt.Errorf("IPV6_V6ONLY: %w", err)
		}
		// Without this a socket bound to the wildcard address receives every
		// group any socket of the host joined, on any interface, and would
		// answer on links it was never configured for.
		err := unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_MULTICAST_ALL, 0)
		if err != nil && !errors.Is(err, unix.ENOPROTOOPT) { // before Linux 4.20
			return fmt.Errorf("IPV6_MULTICAST_ALL: %w", err)
		}
		return nil
	}
	if err := unix.SetsockoptInt(s, unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0); err != nil && !errors.Is(err, unix.ENOPROTOOPT) {
		return fmt.Errorf("IP_MULTICAST_ALL: %w", err)
	}
	return nil
}

// sysSetReusePort leaves SO_REUSEPORT off on Linux. SO_REUSEADDR is enough
// to share :5353 with avahi-daemon (which sets both) and python-zeroconf.
// With SO_REUSEPORT, sockets of one user form a reuseport group, and a
// multicast datagram that exactly one socket of the port has joined is
// early-demuxed to that socket and then re-steered by the reuseport hash
// (inet_steal_sock) to any member of the group, even one that never joined
// the group on that interface: TestSysTwoInterfaces caught it on Linux 6.18,
// where a datagram for one socket went to another 4 times out of 4.
func sysSetReusePort(int) error { return nil }

// sysInterface names interface ifIndex for a socket option. Linux takes
// the index alone (ip_mreqn, ipv6_mreq), which still works for leaving a
// group on an interface that has just disappeared.
func sysInterface(ifIndex int) (*net.Interface, error) {
	if ifIndex <= 0 {
		return nil, fmt.Errorf("%w: index %d", sysErrNoInterface, ifIndex)
	}
	return &net.Interface{Index: ifIndex}, nil
}
