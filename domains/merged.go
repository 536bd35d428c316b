package domains

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of MergedConfig.
const (
	// defaultFirstRead bounds the first read's wait for each source: an
	// mDNS browse settles within 1.5 s, an etcd read is one round trip.
	defaultFirstRead = 2 * time.Second
	// A failing source is retried from defaultRetryMin, doubling up to
	// defaultRetryMax, so that a registry that comes back is read again
	// within about a second.
	defaultRetryMin = 100 * time.Millisecond
	defaultRetryMax = time.Second
	// defaultStaleTTL is how long the nodes of a failing source are kept:
	// go-micro's registration TTL (90 s), past which a node whose owner
	// stopped renewing it would have expired anyway.
	defaultStaleTTL = 90 * time.Second
)

// A MergedSource is one registry of a merged view.
type MergedSource struct {
	// Name labels the source in NodeSource and SourceState: "mdns:eth0",
	// "etcd". Nodes that carry MetaSite are labelled Name:site.
	Name string
	// Source is the registry read.
	Source Source
	// Authoritative marks a registry whose writers are known (etcd, with
	// its access control): its node wins over the same node id heard from
	// a source that anyone on the link can announce into (mDNS).
	Authoritative bool
}

// MergedConfig configures a merged view. The zero value merges nothing;
// add Sources.
type MergedConfig struct {
	// Sources are the registries merged, in order: among sources of the
	// same kind the node seen first wins, ties going to the earlier
	// source.
	Sources []MergedSource

	// Domain is the domain of calls given an empty one: "local".
	Domain string

	// FirstRead bounds how long the first read of a domain waits for each
	// source (2 s). A source that has not answered by then is reported
	// as timed out; its nodes join later, as create events.
	FirstRead time.Duration

	// RetryMin and RetryMax bound the backoff between attempts to read a
	// failing source again (100 ms doubling up to 1 s). A source whose
	// Watch reports a node while its read is failing is read again
	// RetryMin after the failed attempt.
	RetryMin, RetryMax time.Duration

	// StaleTTL is how long the last known nodes of a failing source are
	// kept, marked stale (90 s).
	StaleTTL time.Duration

	// Logf, when set, receives rare diagnostics: a source failing or
	// recovering.
	Logf func(format string, args ...any)
}

// A Merged is one read view over several registries, in the way of
// Istio's aggregate registry: each service (domain, name, version) once,
// each node (service name and node id) once with the sources it came from
// and its address in each. It has the read methods of a Registry
// (GetService, ListServices, Watch: the winning node of each id) and the
// details (Nodes, WatchNodes, States).
//
// Precedence is deterministic: an authoritative source's node wins over
// the same id from another source; otherwise the source that showed it
// first wins (ties: the earlier source in MergedConfig.Sources). Sources
// that disagree with the winner on the node's port, version or metadata
// are reported in MergedNode.Conflicts, never dropped silently.
//
// A source whose Watch fails keeps its last known nodes, marked stale,
// while it is retried with backoff; when it answers again its nodes are
// read afresh and those it no longer has are deleted. Stale nodes go
// after StaleTTL. Results are copies: neither the caller nor the view can
// change what a source holds.
//
// Each domain is read on first use: a Watch of the whole domain on every
// source, kept until Close. Its methods may be called from any goroutine.
type Merged struct {
	sources   []MergedSource
	domain    string
	firstRead time.Duration
	retryMin  time.Duration
	retryMax  time.Duration
	staleTTL  time.Duration
	logf      func(format string, args ...any)

	ctx    context.Context // cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex // guards views and closed
	views  map[string]*mergedView
	closed bool

	restarts, staleDropped, conflicts atomic.Uint64
}

// NewMerged returns a merged view of cfg.Sources. It reads nothing until
// the first call.
func NewMerged(cfg MergedConfig) (*Merged, error) {
	m := &Merged{
		sources:   append([]MergedSource(nil), cfg.Sources...),
		domain:    orDefault(NormalizeDomain(cfg.Domain), "local"),
		firstRead: orDefault(cfg.FirstRead, defaultFirstRead),
		retryMin:  orDefault(cfg.RetryMin, defaultRetryMin),
		retryMax:  orDefault(cfg.RetryMax, defaultRetryMax),
		staleTTL:  orDefault(cfg.StaleTTL, defaultStaleTTL),
		logf:      cfg.Logf,
		views:     make(map[string]*mergedView),
	}
	if err := validateDomain(m.domain); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	names := map[string]bool{}
	for i, s := range m.sources {
		switch {
		case s.Source == nil:
			return nil, fmt.Errorf("%w: merged source %d (%q) has no Source", ErrInvalidConfig, i, s.Name)
		case s.Name == "":
			return nil, fmt.Errorf("%w: merged source %d has no name", ErrInvalidConfig, i)
		case names[s.Name]:
			return nil, fmt.Errorf("%w: two merged sources named %q", ErrInvalidConfig, s.Name)
		}
		names[s.Name] = true
	}
	if m.retryMax < m.retryMin {
		m.retryMax = m.retryMin
	}
	m.ctx, m.cancel = context.WithCancel(context.Background())
	return m, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Close stops reading the sources (it does not close them), ends every
// Watch with ErrClosed and waits for its goroutines. Calling it again
// does nothing.
func (m *Merged) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	m.mu.Unlock()
	m.cancel()
	m.wg.Wait()
	return nil
}

// MergedStats counts what a merged view did.
type MergedStats struct {
	Restarts     uint64 // source Watches started again after a failure
	StaleDropped uint64 // stale nodes dropped after StaleTTL
	Conflicts    uint64 // merged nodes that came to disagree between sources
}

// Stats returns the view's counters.
func (m *Merged) Stats() MergedStats {
	return MergedStats{Restarts: m.restarts.Load(), StaleDropped: m.staleDropped.Load(), Conflicts: m.conflicts.Load()}
}

func (m *Merged) log(format string, args ...any) {
	if m.logf != nil {
		m.logf(format, args...)
	}
}

// spawn runs fn on a goroutine Close waits for; false once closed.
func (m *Merged) spawn(fn func()) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return false
	}
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		fn()
	}()
	return true
}

// view returns the view of domain d ("": the default), starting its
// feeds on first use.
func (m *Merged) view(d string) (*mergedView, error) {
	if d == "" {
		d = m.domain
	}
	d = NormalizeDomain(d)
	if err := validateDomain(d); err != nil {
		return nil, err
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil, ErrClosed
	}
	v := m.views[d]
	if v != nil {
		m.mu.Unlock()
		return v, nil
	}
	v = newMergedView(m, d)
	m.views[d] = v
	m.mu.Unlock()
	for _, f := range v.feeds {
		if !m.spawn(f.run) {
			return nil, ErrClosed
		}
	}
	return v, nil
}

// waitFirstRead waits until every feed of v has had its first read or
// the FirstRead bound since v started passed.
func (m *Merged) waitFirstRead(ctx context.Context, v *mergedView) error {
	timer := time.NewTimer(time.Until(v.start.Add(m.firstRead)))
	defer timer.Stop()
	for _, f := range v.feeds {
		select {
		case <-f.synced:
		case <-timer.C:
			v.mu.Lock()
			for _, g := range v.feeds {
				g.timedOut()
			}
			v.mu.Unlock()
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-m.ctx.Done():
			return ErrClosed
		}
	}
	return nil
}

// SourceState is how one source of a merged view is doing in a domain.
type SourceState struct {
	Source string // MergedSource.Name
	Domain string
	// State is "syncing" (first read under way), "ok", "timeout" (the
	// first read took longer than FirstRead; still trying) or "stale"
	// (its Watch failed: its nodes are the last known, being retried).
	State string
	Since time.Time // when it entered State
	Err   error     // the failure, for "stale"
}

// States returns the state of every source in every domain read so far,
// by domain then in source order.
func (m *Merged) States() []SourceState {
	m.mu.Lock()
	views := make([]*mergedView, 0, len(m.views))
	for _, v := range m.views {
		views = append(views, v)
	}
	m.mu.Unlock()
	var out []SourceState
	for _, v := range views {
		v.mu.Lock()
		for _, f := range v.feeds {
			out = append(out, SourceState{Source: m.sources[f.src].Name, Domain: v.domain, State: f.state, Since: f.since, Err: f.err})
		}
		v.mu.Unlock()
	}
	sortStates(out)
	return out
}

// errSourceWatchEnded is the failure recorded when a source's Watch
// returned without an error of its own.
var errSourceWatchEnded = errors.New("domains: source watch ended")
