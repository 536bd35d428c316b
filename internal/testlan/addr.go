package testlan

import (
	"fmt"
	"net/netip"
)

// SelfIndex is the host index the test process takes with Options.Self.
const SelfIndex = 254

// RouterIndex is the host joining both links with Options.SecondLink.
const RouterIndex = 253

// Addressing of host i (1..MaxHosts, or SelfIndex); the MAC makes the
// EUI-64 link-local address predictable: 02:00:00:00:00:ii gives
// fe80::ff:fe00:i.
// Link 1 (br1) takes 10.98.0.I and fd00:98::I; the router's br1 side
// has MAC 02:00:00:00:01:fd (fe80::ff:fe00:1fd).
func hostMAC(i int) string       { return fmt.Sprintf("02:00:00:00:00:%02x", i) }
func linkMAC(link, i int) string { return fmt.Sprintf("02:00:00:00:%02x:%02x", link, i) }
func linkIPv4(link, i int) netip.Addr {
	return netip.AddrFrom4([4]byte{10, byte(99 - link), 0, byte(i)})
}
func linkULA(link, i int) netip.Addr {
	return netip.MustParseAddr(fmt.Sprintf("fd00:%d::%x", 99-link, i))
}
func linkLLA(link, i int) netip.Addr {
	return netip.MustParseAddr(fmt.Sprintf("fe80::ff:fe00:%x", link<<8|i))
}
func hostIPv4(i int) netip.Addr     { return linkIPv4(0, i) }
func hostULA(i int) netip.Addr      { return linkULA(0, i) }
func hostLLA(i int) netip.Addr      { return linkLLA(0, i) }
func bridgeName(link int) string    { return fmt.Sprintf("br%d", link) }
func routerPort(link int) string    { return fmt.Sprintf("vr%d", link) }
func routerIface(link int) string   { return map[int]string{0: "e253", 1: "f253"}[link] }
func hostName(i int) string         { return fmt.Sprintf("h%d", i) }
func hostIface(i int) string        { return fmt.Sprintf("e%d", i) }
func bridgePort(i int) string       { return fmt.Sprintf("v%d", i) }
func prefixLen(a netip.Addr) string { return map[bool]string{true: "/24", false: "/64"}[a.Is4()] }
