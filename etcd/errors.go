package etcd

import "errors"

// Sentinel errors for branching with errors.Is. Other errors are those of
// package domains: domains.ErrClosed, domains.ErrInvalidService,
// domains.ErrNotFound.
var (
	// ErrUnavailable wraps failures to reach etcd. Watch returns it when
	// etcd stays out of reach for Config.Unavailable.
	ErrUnavailable = errors.New("etcd: unavailable")
	// ErrInvalidConfig reports a Config New refuses: no endpoint, a TTL
	// under a second or a bad domain (both of which wrap
	// domains.ErrInvalidService too).
	ErrInvalidConfig = errors.New("etcd: invalid config")
)
