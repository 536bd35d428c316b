package domains

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// goodbyeTimeout bounds the withdrawal of registrations when the caller's
// context cannot be used (Close, a stopped list entry): goodbyes are sent
// twice, one second apart (RFC 6762 §10.1), so a few seconds is plenty.
const goodbyeTimeout = 5 * time.Second

// A Registry registers services in domains and reads them back: go-micro's
// registry over mDNS. Its methods may be called from any goroutine.
type Registry struct {
	flavour Flavour
	domain  string // default domain
	global  string // the global domain
	ttl     time.Duration
	conn    *mdns.Conn
	ownConn bool
	logf    func(format string, args ...any)

	ctx    context.Context // cancelled by Close: browses, watches, list entries
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the Registry started

	// regMu serialises Register, Deregister and Close's withdrawal; it
	// guards nodes, mirrors and lists.
	regMu   sync.Mutex
	nodes   map[regKey]*nodeReg
	mirrors map[mirrorKey]*mirror
	lists   map[listKey]*listKeeper
	seq     uint64

	// Plain services (Publish): plainMu guards plain, pubs and pubSeq;
	// plainLocks serialises the mdns calls of one mirror.
	plainMu    sync.Mutex
	plain      map[plainKey]*plainMirror
	pubs       map[*Publication]bool
	pubSeq     uint64
	plainLocks keyLocks[plainKey]

	mu     sync.Mutex // guards views and closed
	views  map[string]*view
	closed bool
}

// New returns a Registry configured by cfg (see Config for the defaults).
// With cfg.Conn nil it opens its own mdns.Conn.
func New(cfg Config) (*Registry, error) {
	r := &Registry{
		flavour: cfg.Flavour,
		domain:  cfg.domain(),
		global:  cfg.global(),
		ttl:     cfg.TTL,
		conn:    cfg.Conn,
		logf:    cfg.Logf,
		nodes:   make(map[regKey]*nodeReg),
		mirrors: make(map[mirrorKey]*mirror),
		lists:   make(map[listKey]*listKeeper),
		plain:   make(map[plainKey]*plainMirror),
		pubs:    make(map[*Publication]bool),
		views:   make(map[string]*view),
	}
	if cfg.Flavour != DNSSD && cfg.Flavour != Micro {
		return nil, fmt.Errorf("%w: unknown flavour %d", ErrInvalidConfig, cfg.Flavour)
	}
	for _, d := range []string{r.domain, r.global} {
		if err := validateDomain(d); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
	}
	if r.conn == nil {
		c, err := mdns.Listen(cfg.MDNS)
		if err != nil {
			return nil, fmt.Errorf("domains: %w", err)
		}
		r.conn, r.ownConn = c, true
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	return r, nil
}

// Domain returns the registry's default domain, normalised: where calls
// given an empty domain work (Config.Domain).
func (r *Registry) Domain() string { return r.domain }

// Close withdraws every registration (goodbyes for the nodes, their
// mirrors and list entries), ends every Watch with ErrClosed, stops the
// browses, waits for its goroutines and closes the mdns.Conn if it opened
// it. Calling it again does nothing.
func (r *Registry) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), goodbyeTimeout)
	r.regMu.Lock()
	err := r.withdrawAll(ctx)
	r.regMu.Unlock()
	err = errors.Join(err, r.withdrawPlain(ctx))
	cancel()

	r.cancel()
	r.wg.Wait()
	if r.ownConn {
		if cerr := r.conn.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("domains: %w", cerr)
		}
	}
	return err
}

// spawn runs fn on a goroutine that Close waits for; it refuses (false)
// once Close has begun, so that no goroutine starts after Close's Wait.
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

func (r *Registry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

func (r *Registry) log(format string, args ...any) {
	if r.logf != nil {
		r.logf(format, args...)
	}
}

// domainOf resolves a caller's domain argument: empty means the default.
func (r *Registry) domainOf(d string) (string, error) {
	if d == "" {
		return r.domain, nil
	}
	d = NormalizeDomain(d)
	return d, validateDomain(d)
}

func errInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidService, fmt.Sprintf(format, args...))
}
