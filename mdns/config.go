package mdns

import (
	"math/rand/v2"
	"time"
)

// Config configures a Conn. The zero value serves every up, multicast-capable,
// non-loopback interface of the machine over IPv4 and IPv6, uses the
// machine's host name, and logs nothing.
type Config struct {
	// Network is where sockets and interfaces come from. nil means
	// SystemNetwork(); tests pass an mdnstest host.
	Network Network

	// Interfaces restricts the Conn to the interfaces whose names match
	// one of these patterns: a name ("eth0") or a shell pattern of
	// path.Match ("en*", "wlan[0-9]"). A matched loopback interface is
	// served too. Empty means every eligible one. Interfaces that appear
	// later are served when they match.
	Interfaces []string

	// ExcludeInterfaces are patterns, as for Interfaces, of interfaces
	// never served, whatever Interfaces says: "docker*", "veth*", "br-*"
	// (container bridges), "tun*" (VPNs).
	ExcludeInterfaces []string

	// DisableIPv4 and DisableIPv6 turn a family off. Both set is an error.
	DisableIPv4, DisableIPv6 bool

	// HostName is the host label published for this machine, without
	// ".local". Empty means the Network's host name.
	HostName string

	// MaxCacheRecords bounds the querier's cache (all interfaces
	// together). Zero means 16384: room for a link with about 5000
	// service instances (a PTR, SRV and TXT record each, and their
	// hosts' addresses), about 11 MB at most. When it is full, a host
	// that holds more than its share pays for its new records with its
	// own, and records a running Browse has reported are never evicted:
	// one host flooding the link cannot push out another's services.
	MaxCacheRecords int

	// Logf, when set, receives rare diagnostic messages (interfaces
	// joined or lost, name conflicts). Per-packet problems are never
	// logged; they are counted in Stats.
	Logf func(format string, args ...any)

	// Warn, when set, receives the problems the Conn works around but a
	// user should hear of without asking for diagnostics, as errors to
	// inspect with errors.As: a *JoinError when the mDNS group cannot be
	// joined on an interface (once, until a join there succeeds). Without
	// it they go to Logf.
	Warn func(err error)

	// Rand, when set, is the source of the protocol's random delays
	// (probe jitter, response and query delays), for reproducible tests.
	// It is used from one goroutine only.
	Rand *rand.Rand
}

// Default TTLs (RFC 6762 §10): records with a host name in their RDATA or
// owner (SRV, A, AAAA) 120 s, all others 75 minutes. Service.TTL and
// Host.TTL override them per registration.
const (
	defaultHostTTL  = 120 * time.Second
	defaultOtherTTL = 75 * time.Minute
)

func (c *Config) maxCache() int {
	if c.MaxCacheRecords <= 0 {
		return 16384
	}
	return c.MaxCacheRecords
}
