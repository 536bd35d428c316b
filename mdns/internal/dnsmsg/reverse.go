package dnsmsg

import (
	"net/netip"
	"strconv"
)

// ReverseAddr returns the name under in-addr.arpa. (RFC 1035 §3.5) or
// ip6.arpa. (RFC 3596 §2.5) that maps a back to a host name; "" for the
// zero Addr. A zone is ignored and an IPv4-mapped address is IPv4.
func ReverseAddr(a netip.Addr) string {
	a = a.Unmap()
	switch {
	case a.Is4():
		v := a.As4()
		b := make([]byte, 0, len("255.255.255.255.in-addr.arpa."))
		for i := 3; i >= 0; i-- {
			b = append(strconv.AppendUint(b, uint64(v[i]), 10), '.')
		}
		return string(append(b, "in-addr.arpa."...))
	case a.Is6():
		v := a.As16()
		const hex = "0123456789abcdef"
		b := make([]byte, 0, 64+len("ip6.arpa."))
		for i := 15; i >= 0; i-- {
			b = append(b, hex[v[i]&0xf], '.', hex[v[i]>>4], '.')
		}
		return string(append(b, "ip6.arpa."...))
	}
	return ""
}
