package domains

import (
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// Flavour selects the wire layout of a Registry.
type Flavour int

const (
	// DNSSD is the standard layout (RFC 6763): one service type
	// "_<name>._tcp" per service, the node id as instance name, the
	// version, node metadata and endpoints in DNS-SD TXT attributes
	// (txt.EncodePayload). Avahi, Bonjour and python-zeroconf show every
	// node, with readable metadata.
	DNSSD Flavour = iota
	// Micro is go-micro's layout: "<node>.<service>.<domain>." instances,
	// a "<service>._services.<domain>." list entry, and go-micro's
	// hex-zlib-JSON TXT (txt.EncodeMicro), so that go-micro's mDNS
	// registry and this one see each other both ways.
	Micro
)

func (f Flavour) String() string {
	if f == Micro {
		return "micro"
	}
	return "dnssd"
}

// Config configures a Registry. The zero value is a DNS-SD flavour
// registry in domain "local" (which is also the global domain), opening
// its own mdns.Conn with the zero mdns.Config.
type Config struct {
	// Flavour is the wire layout; the zero value is DNSSD.
	Flavour Flavour

	// Domain is the default domain of every call given an empty domain:
	// "local" (Micro flavour: "micro").
	Domain string

	// GlobalDomain is where registrations in every other domain are
	// mirrored: "local" (Micro flavour: "global", as go-micro v3 did).
	GlobalDomain string

	// TTL is the record TTL of registrations (mdns.Service.TTL); zero
	// means mdns's defaults (120 s for SRV and addresses). A short TTL
	// makes a crashed node disappear from browsers sooner, at the cost
	// of refresh traffic. Register's WithTTL overrides it.
	TTL time.Duration

	// Conn is the mdns connection to use; the Registry does not close it.
	// nil means the Registry opens its own with MDNS and closes it on
	// Close.
	Conn *mdns.Conn
	// MDNS configures the connection opened when Conn is nil.
	MDNS mdns.Config

	// Logf, when set, receives rare diagnostics (a lost name, a browse
	// that failed). The Registry logs nothing per packet.
	Logf func(format string, args ...any)
}

func (c *Config) domain() string {
	if c.Domain != "" {
		return NormalizeDomain(c.Domain)
	}
	if c.Flavour == Micro {
		return "micro"
	}
	return "local"
}

func (c *Config) global() string {
	if c.GlobalDomain != "" {
		return NormalizeDomain(c.GlobalDomain)
	}
	if c.Flavour == Micro {
		return "global"
	}
	return "local"
}

// RegisterOption modifies one Register call.
type RegisterOption func(*registerOptions)

type registerOptions struct {
	ttl time.Duration
}

// WithTTL sets the record TTL of this registration (at least 1 s).
func WithTTL(ttl time.Duration) RegisterOption {
	return func(o *registerOptions) { o.ttl = ttl }
}
