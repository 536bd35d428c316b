package etcd

import "errors"

// ErrUnavailable wraps failures to reach etcd. Watch returns it when etcd
// stays out of reach for Config.Unavailable. Other errors are those of
// package domains: domains.ErrClosed, domains.ErrInvalidService,
// domains.ErrNotFound.
var ErrUnavailable = errors.New("etcd: unavailable")
