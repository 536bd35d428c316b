package mdns

import (
	"errors"
	"fmt"
	"net"
	"syscall"

	"golang.org/x/sys/windows"
)

// x/net has no control messages on Windows: received datagrams carry no
// interface or destination, and the multicast interface is a socket option.
const (
	sysPacketInfoSelectsMulticastIf = false
	sysControlMessagesRequired      = false
)

// sysSetSockopts runs before bind. Windows has no SO_REUSEPORT; its
// SO_REUSEADDR shares the port as mDNSResponder for Windows does.
func sysSetSockopts(fd uintptr, v6 bool) error {
	h := syscall.Handle(fd)
	if err := syscall.SetsockoptInt(h, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("SO_REUSEADDR: %w", err)
	}
	if v6 {
		if err := syscall.SetsockoptInt(h, syscall.IPPROTO_IPV6, syscall.IPV6_V6ONLY, 1); err != nil {
			return fmt.Errorf("IPV6_V6ONLY: %w", err)
		}
	}
	return nil
}

func sysInterface(ifIndex int) (*net.Interface, error) { return sysLookupInterface(ifIndex) }

func sysIsAddrInUse(err error) bool    { return errors.Is(err, windows.WSAEADDRINUSE) }
func sysIsAddrNotAvail(err error) bool { return errors.Is(err, windows.WSAEADDRNOTAVAIL) }
