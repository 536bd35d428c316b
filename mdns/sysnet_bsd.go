//go:build unix && !linux

package mdns

import (
	"fmt"
	"net"

	"golang.org/x/sys/unix"
)

// The BSDs and macOS may ignore the interface of IP_PKTINFO for multicast,
// so WriteTo sets IP_MULTICAST_IF / IPV6_MULTICAST_IF under a lock, as
// mDNSResponder does before every send.
const (
	sysPacketInfoSelectsMulticastIf = false
	sysControlMessagesRequired      = true
)

// sysSetSockopts runs before bind. IP_MULTICAST_ALL is Linux-only: the
// BSDs deliver a group only to the sockets that joined it.
func sysSetSockopts(fd uintptr, v6 bool) error {
	s := int(fd)
	if err := sysSetReuse(s); err != nil {
		return err
	}
	if v6 {
		if err := unix.SetsockoptInt(s, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fmt.Errorf("IPV6_V6ONLY: %w", err)
		}
	}
	return nil
}

func sysInterface(ifIndex int) (*net.Interface, error) { return sysLookupInterface(ifIndex) }
