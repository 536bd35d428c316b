//go:build unix

package mdns

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// sysSetReuse shares the port with Avahi, mDNSResponder and other mDNS
// software on the host: SO_REUSEADDR everywhere, SO_REUSEPORT where the
// platform needs it (see sysSetReusePort).
func sysSetReuse(s int) error {
	if err := unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("SO_REUSEADDR: %w", err)
	}
	if err := sysSetReusePort(s); err != nil && !errors.Is(err, unix.ENOPROTOOPT) {
		return fmt.Errorf("SO_REUSEPORT: %w", err)
	}
	return nil
}

func sysIsAddrInUse(err error) bool    { return errors.Is(err, unix.EADDRINUSE) }
func sysIsAddrNotAvail(err error) bool { return errors.Is(err, unix.EADDRNOTAVAIL) }
