package gomicro5

import (
	"context"
	"sync"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"go-micro.dev/v5/logger"
	"go-micro.dev/v5/registry"
)

// Registry is go-micro's registry.Registry over a domains.Registry. Its
// methods may be called from any goroutine.
type Registry struct {
	mu         sync.Mutex
	opts       registry.Options
	reg        *domains.Registry // opened on first use
	openedWith *domains.Config   // the Config option reg was opened with
	flavour    domains.Flavour
	domain     string // reg's default domain, normalised
	closed     bool
	watchers   map[*watcher]struct{}
}

var _ registry.Registry = (*Registry)(nil)

// NewRegistry returns a registry configured by go-micro's registry options
// and this package's (Domain, Config). It opens nothing until first used.
func NewRegistry(opts ...registry.Option) *Registry {
	return &Registry{opts: *registry.NewOptions(opts...), watchers: make(map[*watcher]struct{})}
}

// Init applies options. Timeout and Domain apply to later calls; Config
// and Logger are read when the registry opens, on first use: changing
// Config after that changes nothing and returns ErrConfigInUse.
func (r *Registry) Init(opts ...registry.Option) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	o := r.opts
	for _, opt := range opts {
		opt(&o)
	}
	if r.reg != nil && configOf(o.Context) != r.openedWith {
		return ErrConfigInUse
	}
	r.opts = o
	return nil
}

// Options returns the registry's options.
func (r *Registry) Options() registry.Options {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.opts
}

// String names the implementation, as go-micro's registries do.
func (r *Registry) String() string { return "mdnskit" }

// Close withdraws every registration (goodbyes, RFC 6762 §10.1), stops
// every watcher (their Next returns registry.ErrWatcherStopped) and waits
// for every goroutine the registry started. Calls after Close return
// domains.ErrClosed. Calling it again does nothing.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	reg := r.reg
	ws := make([]*watcher, 0, len(r.watchers))
	for w := range r.watchers {
		ws = append(ws, w)
	}
	r.mu.Unlock()
	for _, w := range ws {
		w.Stop()
	}
	if reg == nil {
		return nil
	}
	return reg.Close()
}

// open returns the domains.Registry, opening it on first use.
func (r *Registry) open() (*domains.Registry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, domains.ErrClosed
	}
	if r.reg != nil {
		return r.reg, nil
	}
	cfg := domains.Config{Flavour: domains.Micro}
	p := configOf(r.opts.Context)
	if p != nil {
		cfg = *p
	}
	if cfg.Logf == nil && r.opts.Logger != nil {
		l := r.opts.Logger
		cfg.Logf = func(format string, args ...any) { l.Logf(logger.WarnLevel, format, args...) }
	}
	reg, err := domains.New(cfg)
	if err != nil {
		return nil, err
	}
	r.reg, r.openedWith, r.flavour, r.domain = reg, p, cfg.Flavour, reg.Domain()
	return reg, nil
}

// call is what every method needs: the open registry, the call's context
// (bounded by the registry's Timeout but for watches), the call's domain,
// and the domain it names (normalised, for telling mirrored nodes on
// reads).
type call struct {
	reg     *domains.Registry
	ctx     context.Context
	cancel  context.CancelFunc
	domain  string // as passed to domains ("" for its default)
	read    string // the domain actually read
	flavour domains.Flavour
}

// begin opens the registry and prepares a call whose own Context (from
// go-micro's XxxContext options) is ctx; bounded calls end after the
// registry's Timeout.
func (r *Registry) begin(ctx context.Context, bounded bool) (*call, error) {
	reg, err := r.open()
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	timeout := r.opts.Timeout
	dom := domainFor(ctx, r.opts.Context)
	c := &call{reg: reg, domain: dom, read: r.domain, flavour: r.flavour}
	r.mu.Unlock()
	if dom != "" {
		c.read = domains.NormalizeDomain(dom)
	}
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	if bounded {
		c.ctx, c.cancel = context.WithTimeout(orBackground(ctx), timeout)
	} else {
		c.ctx, c.cancel = context.WithCancel(orBackground(ctx))
	}
	return c, nil
}

// ttl is go-micro's RegisterTTL as a record TTL: domains refuses less than
// a second.
func ttl(d time.Duration) time.Duration {
	return max(d, time.Second)
}
