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
	// ErrWatchOverflow ends a Watch whose callback fell so far behind that
	// its queue of pending results filled up.
	ErrWatchOverflow = errors.New("domains: watch fell behind")
)
