package mdns

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Service describes a DNS-SD service instance to publish (RFC 6763 §4):
// Instance.Type.Domain, with a port on this host and a TXT record.
type Service struct {
	// Instance is the instance name: any UTF-8 up to 63 bytes, spaces,
	// dots and backslashes included (RFC 6763 §4.1.1).
	Instance string
	// Type is the service type, normally "_name._tcp" or "_name._udp"
	// (RFC 6763 §7). Other dot-separated labels are accepted for wire
	// layouts such as go-micro's, where the type is a plain service name.
	Type string
	// Subtypes are published as "_sub" PTR records (RFC 6763 §7.1), each
	// a single label such as "_printer".
	Subtypes []string
	// Domain is where the records live; empty means "local".
	Domain string
	// Port is the service's port (SRV record).
	Port uint16
	// Priority and Weight go into the SRV record (RFC 2782): clients try
	// lower priorities first and spread load by weight among equal ones.
	Priority, Weight uint16
	// Host is where the service runs, the SRV target (RFC 6763 §5): a
	// host label ("printer" for printer.local, "printer.local" is
	// accepted). Empty means this machine. To publish a service for a
	// device that cannot speak mDNS (a proxy, like dns-sd -P), give its
	// Addrs too: its host name is then published as with Conn.RegisterHostNoWait
	// and shared by every registration that names it with the same
	// addresses. Without Addrs the host's records are another responder's
	// (or a Host registered on this Conn), and nothing waits for them.
	Host string
	// Addrs are the addresses of Host (see Host.Addrs): IPv6 link-local
	// ones with the zone of their interface.
	Addrs []netip.Addr
	// Text holds the raw TXT character-strings (see package txt). nil or
	// empty publishes a single empty string (RFC 6763 §6.1).
	Text [][]byte
	// TTL overrides the record TTLs. Zero uses RFC 6762 §10's: 120 s for
	// SRV and address records, 75 minutes for the others. A short TTL
	// makes a crashed publisher disappear sooner.
	TTL time.Duration
	// NoRename makes a name conflict fail the registration with a
	// *ConflictError instead of renaming it "Name (2)".
	NoRename bool
	// DottedInstance publishes Instance as dot-separated labels instead
	// of one label that may contain dots. DNS-SD never needs it; it exists
	// for go-micro's service list, named "<service>._services.<domain>."
	// with the dots of a name like "go.micro.srv.greeter" separating
	// labels (docs/gomicro-wire.md, "Names").
	DottedInstance bool
	// OwnMessages sends this service's answers, announcements and
	// goodbyes in messages that hold no other instance, and never adds an
	// EDNS0 record: peers built on hashicorp/mdns (go-micro) read only
	// one instance per message. Their one-shot queries come from an
	// ephemeral port (legacy unicast, RFC 6762 §6.7) without EDNS0, yet
	// they need the whole instance in the reply: it may fill the
	// interface's MTU instead of the 512 bytes of conventional DNS.
	OwnMessages bool
}

// ServiceEntry is a resolved service instance as a browser sees it.
type ServiceEntry struct {
	Instance string // raw UTF-8
	Type     string // e.g. "_http._tcp"
	Domain   string // e.g. "local", no trailing dot
	Host     string // target host, e.g. "h1.local", no trailing dot
	Port     uint16
	Priority uint16        // SRV priority (RFC 2782)
	Weight   uint16        // SRV weight
	Text     [][]byte      // raw TXT character-strings
	Addrs    []netip.Addr  // IPv4 and IPv6 addresses of Host, link-local ones with zone
	Ifaces   []string      // interfaces the instance was seen on
	TTL      time.Duration // remaining lifetime of the SRV record when the event was made
	Subtype  string        // the subtype browsed for, if any
}

func (s *Service) domain() string {
	if s.Domain == "" {
		return "local"
	}
	return strings.TrimSuffix(s.Domain, ".")
}

// validate checks a Service before it is published.
func (s *Service) validate() error {
	if s.DottedInstance {
		if err := validateDotted("instance name", s.Instance); err != nil {
			return err
		}
	} else if err := ValidateInstance(s.Instance); err != nil {
		return err
	}
	if err := validateDotted("service type", s.Type); err != nil {
		return err
	}
	if err := validateDotted("domain", s.domain()); err != nil {
		return err
	}
	for _, st := range s.Subtypes {
		if st == "" || len(st) > MaxLabel || strings.ContainsRune(st, '.') {
			return fmt.Errorf("%w: subtype %q must be one label of 1–%d bytes", ErrInvalidName, st, MaxLabel)
		}
	}
	if s.Port == 0 {
		return fmt.Errorf("%w: port 0", ErrInvalidPort)
	}
	switch {
	case s.Host == "" && len(s.Addrs) > 0:
		return fmt.Errorf("%w: addresses without the host they belong to (Service.Host)", ErrInvalidAddr)
	case s.Host != "":
		if _, err := HostLabel(s.Host); err != nil {
			return err
		}
		if len(s.Addrs) > 0 {
			if err := checkHostAddrs(s.Host, s.Addrs); err != nil {
				return err
			}
		}
	}
	for i, t := range s.Text {
		if len(t) > 255 {
			return fmt.Errorf("%w: TXT string %d is %d bytes, the limit is 255 (RFC 6763 §6.1)", ErrInvalidTXT, i, len(t))
		}
	}
	if s.TTL < 0 || (s.TTL > 0 && s.TTL < time.Second) {
		return fmt.Errorf("%w: TTL %v: must be zero (defaults) or at least 1s", ErrInvalidTTL, s.TTL)
	}
	return nil
}

// validateDotted checks a dot-separated name made of plain labels.
func validateDotted(what, name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalidName, what)
	}
	for _, l := range strings.Split(strings.TrimSuffix(name, "."), ".") {
		if l == "" || len(l) > MaxLabel {
			return fmt.Errorf("%w: %s %q: labels must be 1–%d bytes", ErrInvalidName, what, name, MaxLabel)
		}
		if strings.ContainsAny(l, "\\ ") {
			return fmt.Errorf("%w: %s %q contains a space or backslash", ErrInvalidName, what, name)
		}
	}
	return nil
}

// dottedName turns "a.b.c" into the presentation suffix "a.b.c.".
func dottedName(name string) string { return strings.TrimSuffix(name, ".") + "." }
