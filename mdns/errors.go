package mdns

import (
	"errors"
	"fmt"
)

// Sentinel errors for branching with errors.Is.
var (
	// ErrClosed is returned by calls on a Conn after Close.
	ErrClosed = errors.New("mdns: use of closed Conn")
	// ErrInvalidName reports an instance, service type, subtype, domain,
	// host name or interface pattern that cannot be used.
	ErrInvalidName = errors.New("mdns: invalid name")
	// ErrInvalidPort reports a Service with port 0.
	ErrInvalidPort = errors.New("mdns: invalid port")
	// ErrInvalidTXT reports a TXT record that cannot be published: a
	// string over 255 bytes (RFC 6763 §6.1).
	ErrInvalidTXT = errors.New("mdns: invalid TXT record")
	// ErrInvalidTTL reports a Service or Host TTL that is negative or
	// under a second.
	ErrInvalidTTL = errors.New("mdns: invalid TTL")
	// ErrInvalidAddr reports an address that cannot be published or
	// looked up: none for a Host, a multicast, loopback or unspecified
	// one, a link-local IPv6 address without its zone, addresses without
	// a Service.Host, the zero netip.Addr.
	ErrInvalidAddr = errors.New("mdns: invalid address")
	// ErrInvalidConfig reports a Config Listen cannot work with (both
	// address families disabled).
	ErrInvalidConfig = errors.New("mdns: invalid config")
	// ErrNameConflict reports that a name is claimed by another host on the
	// link and the registration asked not to be renamed.
	ErrNameConflict = errors.New("mdns: name already claimed on the link")
	// ErrNoInterface reports that no interface could be used for mDNS.
	ErrNoInterface = errors.New("mdns: no usable multicast interface")
	// ErrNotFound reports that a lookup ended without an answer.
	ErrNotFound = errors.New("mdns: not found")
	// ErrSocketOption reports that the platform lacks, or refused, a
	// socket option mDNS cannot work without; the error is a
	// *SocketOptionError naming the option and the platform.
	ErrSocketOption = errors.New("mdns: socket option unavailable")
	// ErrDeregistered is returned by Registration.Update after Deregister
	// or after the registration failed.
	ErrDeregistered = errors.New("mdns: registration withdrawn")
	// ErrUnsupportedNetwork is returned by SystemNetwork's ListenPacket
	// for a network other than "udp4" or "udp6".
	ErrUnsupportedNetwork = errors.New("mdns: unsupported network")
)

// A ConflictError reports a probe or record lost to another host
// (RFC 6762 §8.1, §9).
type ConflictError struct {
	Name string // the name that was lost, as raw text
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("mdns: %q is claimed by another host on the link", e.Name)
}

func (e *ConflictError) Unwrap() error { return ErrNameConflict }

// A SocketOptionError reports a socket option that Listen needs and the
// platform does not have or refused. Without it the socket could not
// share port 5353, or would hear nothing (every datagram dropped for want
// of its receiving interface, RFC 6762 §11), so Listen fails instead.
type SocketOptionError struct {
	Option   string // as the platform's headers spell it, e.g. "IP_PKTINFO"
	Platform string // GOOS/GOARCH
	Err      error  // the system's error, or errors.ErrUnsupported
}

func (e *SocketOptionError) Error() string {
	return fmt.Sprintf("mdns: socket option %s unavailable on %s: %v", e.Option, e.Platform, e.Err)
}

// Unwrap lets errors.Is match both ErrSocketOption and the cause.
func (e *SocketOptionError) Unwrap() []error { return []error{ErrSocketOption, e.Err} }
