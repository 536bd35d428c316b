//go:build unix

package mdns

import (
	"errors"

	"golang.org/x/sys/unix"
)

func sysSetsockoptInt(fd uintptr, level, opt, value int) error {
	return unix.SetsockoptInt(int(fd), level, opt, value)
}

func sysIsAddrInUse(err error) bool    { return errors.Is(err, unix.EADDRINUSE) }
func sysIsAddrNotAvail(err error) bool { return errors.Is(err, unix.EADDRNOTAVAIL) }

// sysIsMsgTooBig is only consulted on Windows (sysWinReader).
func sysIsMsgTooBig(error) bool { return false }
