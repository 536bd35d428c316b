package gokit

import (
	"context"
	"time"

	"github.com/mdnskit/mdnskit/domains"
)

// Registry is what the adapters use of an mdnskit registry: the methods
// *domains.Registry and mdnskit's etcd registry share.
type Registry interface {
	Register(ctx context.Context, domain string, svc *domains.Service, opts ...domains.RegisterOption) error
	Deregister(ctx context.Context, domain string, svc *domains.Service) error
	GetService(ctx context.Context, domain, name string) ([]*domains.Service, error)
	Watch(ctx context.Context, domain, service string, fn func(domains.Result) error) error
}

var _ Registry = (*domains.Registry)(nil)

// defaultTimeout bounds a registry call: a registration takes about a
// second (probing, RFC 6762 §8.1), a first read at most 1.5 s.
const defaultTimeout = 10 * time.Second

// An Option configures an Instancer or a Registrar.
type Option func(*options)

type options struct {
	domain  string
	ttl     time.Duration
	timeout time.Duration
}

func newOptions(opts []Option) options {
	o := options{timeout: defaultTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// Domain selects the domain to watch or register in ("": the registry's
// default).
func Domain(d string) Option { return func(o *options) { o.domain = d } }

// TTL sets the Registrar's record TTL (domains.WithTTL; at least 1 s): a
// node that crashes disappears from every Instancer within it.
func TTL(d time.Duration) Option { return func(o *options) { o.ttl = d } }

// Timeout bounds every registry call (default 10 s), including
// NewInstancer's wait for its first complete view.
func Timeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}
