package domains

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/mdnskit/mdnskit/mdns"
)

// maxServiceLabel is RFC 6763 §7.2's limit on a service name (the part
// after the underscore): 15 characters. python-zeroconf enforces it.
const maxServiceLabel = 15

// serviceLabel maps a registry service name to an RFC 6763 §7.2 service
// name: lower-case letters, digits and single hyphens, starting and ending
// with a letter or digit, at least one letter, at most 15 characters.
// exact reports whether name is already that label, so that the full name
// need not be carried in the TXT record. Names that had to be cut end in a
// 4-digit hash of the full name, so that long names sharing a prefix
// rarely share a type; sharing one is harmless (reads select by the full
// name in the TXT record), only less efficient.
func serviceLabel(name string) (label string, exact bool) {
	var b strings.Builder
	hyphen := true // drop leading hyphens and runs
	letter := false
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
			fallthrough
		case 'a' <= c && c <= 'z':
			letter = true
			fallthrough
		case '0' <= c && c <= '9':
			b.WriteByte(c)
			hyphen = false
		default:
			if !hyphen {
				b.WriteByte('-')
				hyphen = true
			}
		}
	}
	label = strings.TrimRight(b.String(), "-")
	if !letter {
		label = strings.Trim("s-"+label, "-") // §7.2: at least one letter
	}
	if len(label) > maxServiceLabel {
		h := fnv.New32a()
		h.Write([]byte(name))
		label = strings.TrimRight(label[:maxServiceLabel-5], "-") + fmt.Sprintf("-%04x", h.Sum32()&0xffff)
	}
	return label, label == name
}

// dnssdType is the DNS-SD service type of a registry service name.
func dnssdType(name string) string {
	l, _ := serviceLabel(name)
	return "_" + l + "._tcp"
}

// ServiceType returns the service type a registry service name is
// published under in flavour f: in DNSSD "_<label>._tcp" (see the package
// documentation; a name that already is a DNS-SD type "_x._tcp" or
// "_x._udp" is returned as it is), in Micro the name itself.
func (f Flavour) ServiceType(name string) string {
	if f == Micro {
		return name
	}
	l := strings.ToLower(name)
	if strings.HasPrefix(l, "_") && (strings.HasSuffix(l, "._tcp") || strings.HasSuffix(l, "._udp")) {
		return name
	}
	return dnssdType(name)
}

// nameFromType recovers the label of a DNS-SD type "_x._tcp" ("" if it is
// not of that form).
func nameFromType(t string) string {
	l, ok := strings.CutSuffix(strings.ToLower(t), "._tcp")
	if !ok || !strings.HasPrefix(l, "_") || strings.Contains(l, ".") {
		return ""
	}
	return l[1:]
}

// NormalizeDomain turns "Dev." into "dev": domains compare ignoring case
// (RFC 1035 §2.3.3) and are kept without the trailing dot. Every domain
// argument and Config domain of this package is read through it, and so
// are the domains of the registries and commands built on it.
func NormalizeDomain(d string) string { return strings.ToLower(strings.TrimSuffix(d, ".")) }

// validateDomain checks a domain: dot-separated labels of 1–63 bytes
// without spaces or backslashes, in all 255 bytes at most (RFC 1035 §2.3.4).
func validateDomain(d string) error {
	if d == "" || len(d) > 200 {
		return fmt.Errorf("%w: domain %q: must be 1–200 bytes", ErrInvalidService, d)
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > mdns.MaxLabel || strings.ContainsAny(l, " \\") {
			return fmt.Errorf("%w: domain %q: labels must be 1–%d bytes without spaces or backslashes", ErrInvalidService, d, mdns.MaxLabel)
		}
	}
	return nil
}

// validateMicroName checks a service name for the Micro flavour, where it
// is the service type itself: dot-separated labels (go-micro's
// "go.micro.srv.x" names become several labels), no leading underscore
// (that would look like a DNS-SD type), nothing that needs escaping.
func validateMicroName(name string) error {
	if strings.HasPrefix(name, "_") {
		return fmt.Errorf("%w: service name %q: the micro flavour refuses a leading underscore", ErrInvalidService, name)
	}
	for _, l := range strings.Split(name, ".") {
		if l == "" || len(l) > mdns.MaxLabel {
			return fmt.Errorf("%w: service name %q: labels must be 1–%d bytes", ErrInvalidService, name, mdns.MaxLabel)
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`\"();@$`, c) >= 0 {
				return fmt.Errorf("%w: service name %q: the micro flavour allows printable ASCII except %q", ErrInvalidService, name, ` \"();@$`)
			}
		}
	}
	return nil
}

// nodePort takes the port from a node address "host:port" (or ":port").
func nodePort(addr string) (uint16, error) {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return 0, fmt.Errorf("%w: node address %q: %w", ErrInvalidService, addr, err)
	}
	port, err := strconv.ParseUint(p, 10, 16)
	if err != nil || port == 0 {
		return 0, fmt.Errorf("%w: node address %q: port must be 1–65535", ErrInvalidService, addr)
	}
	return uint16(port), nil
}

// preferredAddr picks the address a node is reached at: IPv4 (as go-micro
// does), then routable IPv6, then IPv4 link-local, then IPv6 link-local
// (which keeps its zone).
func preferredAddr(addrs []netip.Addr) (netip.Addr, bool) {
	best, rank := netip.Addr{}, 0
	for _, a := range addrs {
		r := 0
		switch {
		case !a.IsValid() || a.IsUnspecified() || a.IsMulticast():
			continue
		case a.Is4() && !a.IsLinkLocalUnicast():
			r = 4
		case a.Is6() && !a.IsLinkLocalUnicast():
			r = 3
		case a.Is4():
			r = 2
		default:
			r = 1
		}
		if r > rank {
			best, rank = a, r
		}
	}
	return best, rank > 0
}

// joinAddr formats a node address; IPv6 in brackets, with its zone.
func joinAddr(a netip.Addr, port uint16) string {
	return netip.AddrPortFrom(a, port).String()
}
