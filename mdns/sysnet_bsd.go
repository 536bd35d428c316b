//go:build unix && !linux

package mdns

import (
	"net"

	"golang.org/x/sys/unix"
)

// The BSDs and macOS may ignore the interface of IP_PKTINFO for multicast,
// so WriteTo sets IP_MULTICAST_IF / IPV6_MULTICAST_IF under a lock, as
// mDNSResponder does before every send.
const (
	sysPacketInfoSelectsMulticastIf = false
	sysSendPacketInfo               = true
	sysReadsWSAMsg                  = false
)

// sysOptionNumber maps the names of sysSockoptPlan that are set by
// number (the others x/net sets itself).
func sysOptionNumber(name string) (level, opt int, ok bool) {
	switch name {
	case "SO_REUSEADDR":
		return unix.SOL_SOCKET, unix.SO_REUSEADDR, true
	case "SO_REUSEPORT":
		return sysReusePort()
	case "IPV6_V6ONLY":
		return unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, true
	}
	return 0, 0, false
}

func sysInterface(ifIndex int) (*net.Interface, error) { return sysLookupInterface(ifIndex) }
