package domains

import "errors"

// Sentinel errors for branching with errors.Is. Errors from package mdns
// (mdns.ErrNameConflict, mdns.ErrClosed, ...) and package txt
// (txt.ErrTooLarge, ...) are wrapped, not replaced.
var (
	// ErrClosed is returned by calls on a Registry after Close.
	ErrClosed = errors.New("domains: registry closed")
	// ErrInvalidService reports a service or node that cannot be
	// registered or read: no name, a bad node id or address, a bad
	// domain, a TTL under a second.
	ErrInvalidService = errors.New("domains: invalid service")
	// ErrInvalidConfig reports a Config New refuses (an unknown Flavour;
	// a bad domain, which wraps ErrInvalidService too) or a MergedConfig
	// NewMerged refuses (a source without a Source or a name, two sources
	// of one name).
	ErrInvalidConfig = errors.New("domains: invalid config")
	// ErrNotFound is returned by GetService when no node of the service
	// is known in the domain.
	ErrNotFound = errors.New("domains: service not found")
	// ErrTooManyTypes is returned by GetService when the domain's view
	// already browses as many service types as it may (256), against a
	// network announcing endless types.
	ErrTooManyTypes = errors.New("domains: too many service types")
	// ErrNotNode reports a browsed instance that is not a registry node
	// (DecodeEntry): a plain DNS-SD service, a TXT record that does not
	// decode, a name that does not match the type.
	ErrNotNode = errors.New("domains: not a registry node")
	// ErrWatchOverflow ends a Watch whose callback fell so far behind that
	// its queue of pending results filled up.
	ErrWatchOverflow = errors.New("domains: watch fell behind")
)
