//go:build !unix && !windows

package mdns

import (
	"errors"
	"net"
)

// js, wasip1 and plan9 have no socket options: their plan cannot be
// resolved, so ListenPacket fails with a *SocketOptionError.
const (
	sysPacketInfoSelectsMulticastIf = false
	sysSendPacketInfo               = false
	sysReadsWSAMsg                  = false
)

func sysOptionNumber(string) (level, opt int, ok bool) { return 0, 0, false }

func sysSetsockoptInt(uintptr, int, int, int) error { return errors.ErrUnsupported }

func sysInterface(ifIndex int) (*net.Interface, error) { return sysLookupInterface(ifIndex) }

func sysIsAddrInUse(error) bool    { return false }
func sysIsAddrNotAvail(error) bool { return false }

func sysIsMsgTooBig(error) bool { return false }
