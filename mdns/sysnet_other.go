//go:build !unix && !windows

package mdns

import (
	"net"
)

// Platforms without socket options (js, wasip1, plan9): sockets work as far
// as the net package lets them, without port sharing or packet info.
const (
	sysPacketInfoSelectsMulticastIf = false
	sysControlMessagesRequired      = false
)

func sysSetSockopts(uintptr, bool) error { return nil }

func sysInterface(ifIndex int) (*net.Interface, error) { return sysLookupInterface(ifIndex) }

func sysIsAddrInUse(error) bool    { return false }
func sysIsAddrNotAvail(error) bool { return false }
