package etcd

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// A Registry registers services in etcd and reads them back, with the
// methods of domains.Registry. Its methods may be called from any
// goroutine.
type Registry struct {
	cli         *clientv3.Client
	ownClient   bool
	prefix      string
	domain      string
	global      string
	ttl         time.Duration
	timeout     time.Duration
	unavailable time.Duration
	logf        func(format string, args ...any)

	ctx    context.Context // cancelled by Close: keepalives, watches
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// wmu serialises writes: Register, Deregister, lease repair, Close.
	// It guards regs, leases and seq.
	wmu    sync.Mutex
	regs   map[regKey]*registration
	leases map[int64]*lease // by TTL in seconds
	seq    uint64

	mu     sync.Mutex // guards closed
	closed bool

	stats counters

	// afterRead, in tests, runs in Watch between its read and its watch.
	afterRead func()
}

type counters struct {
	puts, deletes, unchanged              atomic.Uint64
	grants, revokes, leasesLost, rewrites atomic.Uint64
	malformed, foreign, oversize          atomic.Uint64
	resyncs                               atomic.Uint64
}

// Stats counts what a Registry did and what it skipped.
type Stats struct {
	Puts      uint64 // nodes written
	Deletes   uint64 // nodes deleted
	Unchanged uint64 // registrations that wrote nothing: the value was the same
	Grants    uint64 // leases granted
	Revokes   uint64 // leases revoked (Close)
	// LeasesLost counts leases whose keepalive ended (expired during a
	// partition, revoked by someone else); Rewrites the nodes written
	// again under a new lease because of it.
	LeasesLost, Rewrites uint64
	// Keys under the prefix that were skipped on reads: values that are
	// not JSON, keys or values not in go-micro's layout, values over
	// MaxValueSize.
	Malformed, Foreign, Oversize uint64
	// Resyncs counts Watches that read the prefix again because their
	// revision had been compacted.
	Resyncs uint64
}

// New returns a Registry configured by cfg (see Config for the
// defaults). It does not wait for etcd: a registry that is down is
// reported by the first call.
func New(cfg Config) (*Registry, error) {
	r := &Registry{
		prefix:      cfg.Prefix,
		domain:      domains.NormalizeDomain(cfg.Domain),
		global:      domains.NormalizeDomain(cfg.GlobalDomain),
		ttl:         cfg.TTL,
		timeout:     cfg.Timeout,
		unavailable: cfg.Unavailable,
		logf:        cfg.Logf,
		regs:        make(map[regKey]*registration),
		leases:      make(map[int64]*lease),
	}
	if r.prefix == "" {
		r.prefix = DefaultPrefix
	}
	if !strings.HasSuffix(r.prefix, "/") {
		r.prefix += "/"
	}
	if r.domain == "" {
		r.domain = "local"
	}
	if r.global == "" {
		r.global = "local"
	}
	if r.ttl == 0 {
		r.ttl = DefaultTTL
	}
	if r.timeout <= 0 {
		r.timeout = DefaultTimeout
	}
	if r.unavailable <= 0 {
		r.unavailable = DefaultUnavailable
	}
	if r.ttl < time.Second {
		return nil, fmt.Errorf("%w: %w: TTL %v: must be at least 1s", ErrInvalidConfig, domains.ErrInvalidService, r.ttl)
	}
	for _, d := range []string{r.domain, r.global} {
		if err := validateDomain(d); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	if cfg.Client != nil {
		r.cli = cfg.Client
	} else {
		cli, err := cfg.dial(r.timeout)
		if err != nil {
			return nil, err
		}
		r.cli, r.ownClient = cli, true
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// Client returns the etcd client the Registry uses.
func (r *Registry) Client() *clientv3.Client { return r.cli }

// Stats returns the Registry's counters.
func (r *Registry) Stats() Stats {
	s := &r.stats
	return Stats{
		Puts: s.puts.Load(), Deletes: s.deletes.Load(), Unchanged: s.unchanged.Load(),
		Grants: s.grants.Load(), Revokes: s.revokes.Load(), LeasesLost: s.leasesLost.Load(), Rewrites: s.rewrites.Load(),
		Malformed: s.malformed.Load(), Foreign: s.foreign.Load(), Oversize: s.oversize.Load(),
		Resyncs: s.resyncs.Load(),
	}
}

// Close withdraws every registration at once by revoking the leases
// (etcd deletes their keys), ends every Watch with domains.ErrClosed,
// waits for its goroutines and closes the client if it dialled it.
// Calling it again does nothing.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()

	r.wmu.Lock()
	var errs []error
	for ttl, l := range r.leases {
		l.stop()
		ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
		if _, err := r.cli.Revoke(ctx, l.id); err != nil && !errors.Is(err, rpctypes.ErrLeaseNotFound) {
			errs = append(errs, fmt.Errorf("%w: revoking lease %x: %w", ErrUnavailable, int64(l.id), err))
		} else {
			r.stats.revokes.Add(1)
		}
		cancel()
		delete(r.leases, ttl)
	}
	clear(r.regs)
	r.wmu.Unlock()

	r.cancel()
	r.wg.Wait()
	if r.ownClient {
		if err := r.cli.Close(); err != nil && !errors.Is(err, context.Canceled) {
			errs = append(errs, fmt.Errorf("etcd: closing the client: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (r *Registry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

// spawn runs fn on a goroutine Close waits for; false once closed.
func (r *Registry) spawn(fn func()) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return false
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		fn()
	}()
	return true
}

func (r *Registry) log(format string, args ...any) {
	if r.logf != nil {
		r.logf(format, args...)
	}
}

// domainOf resolves a domain argument: empty means the default.
func (r *Registry) domainOf(d string) (string, error) {
	if d == "" {
		return r.domain, nil
	}
	d = domains.NormalizeDomain(d)
	return d, validateDomain(d)
}

// validateDomain refuses domains that cannot travel in the comma-separated
// domain metadata, or as DNS names on a link.
func validateDomain(d string) error {
	if d == "" || len(d) > 200 || strings.ContainsAny(d, ", \\/") {
		return fmt.Errorf("%w: domain %q: 1–200 bytes without commas, spaces, slashes or backslashes", domains.ErrInvalidService, d)
	}
	return nil
}

// unavailable wraps an etcd failure, unless the registry closed or ctx
// ended.
func (r *Registry) unavailableErr(ctx context.Context, what string, err error) error {
	switch {
	case r.isClosed():
		return domains.ErrClosed
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return fmt.Errorf("%w: %s: %w", ErrUnavailable, what, err)
}

// withTimeout bounds one request by the registry's timeout.
func (r *Registry) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}
