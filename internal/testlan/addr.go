package testlan

import (
	"fmt"
	"net/netip"
)

// SelfIndex is the host index the test process takes with Options.Self.
const SelfIndex = 254

// Addressing of host i (1..MaxHosts, or SelfIndex); the MAC makes the
// EUI-64 link-local address predictable: 02:00:00:00:00:ii gives
// fe80::ff:fe00:i.
func hostMAC(i int) string          { return fmt.Sprintf("02:00:00:00:00:%02x", i) }
func hostIPv4(i int) netip.Addr     { return netip.AddrFrom4([4]byte{10, 99, 0, byte(i)}) }
func hostULA(i int) netip.Addr      { return netip.MustParseAddr(fmt.Sprintf("fd00:99::%x", i)) }
func hostLLA(i int) netip.Addr      { return netip.MustParseAddr(fmt.Sprintf("fe80::ff:fe00:%x", i)) }
func hostName(i int) string         { return fmt.Sprintf("h%d", i) }
func hostIface(i int) string        { return fmt.Sprintf("e%d", i) }
func bridgePort(i int) string       { return fmt.Sprintf("v%d", i) }
func prefixLen(a netip.Addr) string { return map[bool]string{true: "/24", false: "/64"}[a.Is4()] }
