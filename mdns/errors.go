package mdns

import (
	"errors"
	"fmt"
)

// Sentinel errors for branching with errors.Is.
var (
	// ErrClosed is returned by calls on a Conn after Close.
	ErrClosed = errors.New("mdns: use of closed Conn")
	// ErrInvalidName reports an instance, service type or host name that
	// cannot be published.
	ErrInvalidName = errors.New("mdns: invalid name")
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
