package mdns

import (
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/windows"
)

// x/net has no control messages on Windows: the receiving interface and
// destination come from WSARecvMsg (sysWinReader), and the multicast
// interface is a socket option set before each send.
const (
	sysPacketInfoSelectsMulticastIf = false
	sysSendPacketInfo               = false
	sysReadsWSAMsg                  = true
)

// sysOptionNumber maps the names of sysSockoptPlan that are set by
// number (the others x/net sets itself).
func sysOptionNumber(name string) (level, opt int, ok bool) {
	switch name {
	case "SO_REUSEADDR":
		return windows.SOL_SOCKET, windows.SO_REUSEADDR, true
	case "IPV6_V6ONLY":
		return windows.IPPROTO_IPV6, windows.IPV6_V6ONLY, true
	case "IP_PKTINFO":
		return windows.IPPROTO_IP, windows.IP_PKTINFO, true
	case "IPV6_PKTINFO":
		return windows.IPPROTO_IPV6, windows.IPV6_PKTINFO, true
	}
	return 0, 0, false
}

func sysSetsockoptInt(fd uintptr, level, opt, value int) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), level, opt, value)
}

func sysInterface(ifIndex int) (*net.Interface, error) { return sysLookupInterface(ifIndex) }

func sysIsAddrInUse(err error) bool    { return errors.Is(err, windows.WSAEADDRINUSE) }
func sysIsAddrNotAvail(err error) bool { return errors.Is(err, windows.WSAEADDRNOTAVAIL) }

// sysIsMsgTooBig reports the error of a datagram longer than the buffer:
// WSAEMSGSIZE, or ERROR_MORE_DATA as an overlapped receive completes
// with it.
func sysIsMsgTooBig(err error) bool {
	return errors.Is(err, windows.WSAEMSGSIZE) || errors.Is(err, windows.ERROR_MORE_DATA)
}
