package mdns

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"sort"
	"strings"
)

// SystemNetwork returns the machine's real network: its host name, its
// interfaces (watched through rtnetlink on Linux, polled elsewhere) and UDP
// sockets that report the receiving interface and destination address of
// every datagram (packet-info control messages through x/net on unix,
// IP_PKTINFO read with WSARecvMsg on Windows). Where a platform cannot,
// ListenPacket fails with a *SocketOptionError.
func SystemNetwork() Network { return sysNetwork{} }

type sysNetwork struct {
	// setsockopt replaces the system call in tests (nil: the real one).
	setsockopt func(fd uintptr, level, opt, value int) error
}

// Hostname returns os.Hostname up to its first dot.
func (sysNetwork) Hostname() (string, error) {
	h, err := os.Hostname()
	if err != nil {
		return "", fmt.Errorf("mdns: host name: %w", err)
	}
	h, _, _ = strings.Cut(h, ".")
	if h == "" {
		return "", fmt.Errorf("%w: the machine's host name is empty", ErrInvalidName)
	}
	return h, nil
}

// Interfaces lists the host's interfaces, sorted by index.
//
// netip.Prefix cannot hold a zone (PrefixFrom strips it), so the IPv6
// link-local prefixes come without one; Interface.Name is the zone to add.
func (sysNetwork) Interfaces() ([]Interface, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("mdns: interfaces: %w", err)
	}
	out := make([]Interface, 0, len(ifs))
	for _, ifi := range ifs {
		addrs, err := ifi.Addrs()
		if err != nil {
			return nil, fmt.Errorf("mdns: addresses of %s: %w", ifi.Name, err)
		}
		in := Interface{
			Index:     ifi.Index,
			Name:      ifi.Name,
			MTU:       ifi.MTU,
			Up:        ifi.Flags&net.FlagUp != 0,
			Multicast: ifi.Flags&net.FlagMulticast != 0,
			Loopback:  ifi.Flags&net.FlagLoopback != 0,
		}
		for _, a := range addrs {
			if p, ok := sysPrefix(a); ok {
				in.Prefixes = append(in.Prefixes, p)
			}
		}
		out = append(out, in)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
	return out, nil
}

// sysPrefix converts an interface address as the net package reports it.
func sysPrefix(a net.Addr) (netip.Prefix, bool) {
	ipn, ok := a.(*net.IPNet)
	if !ok {
		return netip.Prefix{}, false
	}
	ip, ok := netip.AddrFromSlice(ipn.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ip = ip.Unmap()
	ones, bits := ipn.Mask.Size()
	switch {
	case bits == 0: // non-canonical mask: keep the address as a host prefix
		ones = ip.BitLen()
	case ip.Is4() && bits == 8*net.IPv6len:
		ones -= 8 * (net.IPv6len - net.IPv4len)
	}
	p := netip.PrefixFrom(ip, ones)
	return p, p.IsValid()
}

// sysFingerprint summarises what WatchInterfaces reports changes of: the
// interface set, flags, MTUs and addresses. A failed listing is a state too,
// so that recovering from it counts as a change.
func sysFingerprint(n Network) string {
	ifs, err := n.Interfaces()
	if err != nil {
		return "error: " + err.Error()
	}
	var b strings.Builder
	for _, in := range ifs {
		fmt.Fprintf(&b, "%d %s %d %t %t %t", in.Index, in.Name, in.MTU, in.Up, in.Multicast, in.Loopback)
		ps := make([]string, len(in.Prefixes))
		for i, p := range in.Prefixes {
			ps[i] = p.String()
		}
		sort.Strings(ps)
		fmt.Fprintf(&b, " %v\n", ps)
	}
	return b.String()
}
