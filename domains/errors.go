package domains

import "errors"

// Sentinel errors for branching with errors.Is. Errors from package mdns
// (mdns.ErrNameConflict, mdns.ErrClosed, ...) and package txt
// (txt.ErrTooLarge, ...) are wrapped, not replaced.
var (
	// ErrClosed is returned by calls on a Registry after Close.
	ErrClosed = errors.New("domains: registry closed")
	// ErrInvalidService reports a service or node that cannot be
	// registered: no name, a bad node id or address, a bad domain.
	ErrInvalidService = errors.New("domains: invalid service")
	// ErrNotNode reports a browsed instance that is not a registry node
	// (DecodeEntry): a plain DNS-SD service, a TXT record that does not
	// decode, a name that does not match the type.
	ErrNotNode = errors.New("domains: not a registry node")
	// ErrWatchOverflow ends a Watch whose callback fell so far behind that
	// its queue of pending results filled up.
	ErrWatchOverflow = errors.New("domains: watch fell behind")
)
