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

	// Interfaces restricts the Conn to the named interfaces (a named
	// loopback interface is allowed). Empty means every eligible one,
	// including interfaces that appear later.
	Interfaces []string

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

	// Rand, when set, is the source of the protocol's random delays
	// (probe jitter, response and query delays), for reproducible tests.
	// It is used from one goroutine only.
	Rand *rand.Rand

	// Port is the UDP port; zero means 5353. Anything else breaks
	// interoperability and exists for tests.
	Port int
}

// Default TTLs (RFC 6762 §10): records with a host name in their RDATA or
// owner (SRV, A, AAAA) 120 s, all others 75 minutes.
const (
	HostTTL  = 120 * time.Second
	OtherTTL = 75 * time.Minute
)

func (c *Config) port() int {
	if c.Port == 0 {
		return Port
	}
	return c.Port
}

func (c *Config) maxCache() int {
	if c.MaxCacheRecords <= 0 {
		return 16384
	}
	return c.MaxCacheRecords
}
