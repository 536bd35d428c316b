// Package bridge mirrors the registry nodes heard on links (mDNS, through
// domains.Registry) into an etcd registry, under the registry's lease, so
// that other sites and go-micro's etcd clients see a LAN's services. It
// is the write half of going past one link; domains.Merged is the read
// half.
//
// It only ever writes to etcd: nothing read from etcd, or from another
// link, is published on a link (reflectors that do loop and rename: avahi
// issues 117 and 611). Each mirrored node is tagged with the bridge's
// site (domains.MetaSite) and the link it was heard on
// (domains.MetaLink); nodes that already carry a site tag, and nodes
// reachable only at a link-local address, are not mirrored.
package bridge

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdnskit/mdnskit/domains"
)

// A Target is where a bridge writes: the etcd registry.
type Target interface {
	Register(ctx context.Context, domain string, svc *domains.Service, opts ...domains.RegisterOption) error
	Deregister(ctx context.Context, domain string, svc *domains.Service) error
}

// A Link is one link a bridge mirrors.
type Link struct {
	// Name is the link's name, usually its interface ("eth0"): the
	// MetaLink tag of the nodes heard there.
	Name string
	// Source reads the link: a domains.Registry over that interface.
	Source domains.Source
}

// Config configures a Bridge.
type Config struct {
	// Target is the registry written to; required.
	Target Target
	// Links are the links mirrored; at least one.
	Links []Link
	// Site names this bridge's site (MetaSite); required.
	Site string
	// Domains are the domains mirrored; empty means "local" (for a DNS-SD
	// registry also its global domain, which holds every domain's
	// registrations).
	Domains []string
	// Services limits the mirror to these service names; empty means all.
	Services []string
	// TTL is the lease of the mirrored nodes; zero means the Target's
	// default.
	TTL time.Duration
	// RetryMin and RetryMax bound the backoff of failed writes (100 ms
	// doubling up to 1 s): nothing is lost while the Target is down, and
	// the nodes are written within about a second of its return.
	RetryMin, RetryMax time.Duration
	// Events, when set, is called after every write to the Target (from
	// one goroutine, in order).
	Events func(Event)
	// Logf, when set, receives rare diagnostics: a link's browse failing,
	// writes failing and recovering.
	Logf func(format string, args ...any)
}

// An Event is one write of the bridge to its Target.
type Event struct {
	// Action is "put" (a node was registered or changed) or "delete".
	Action string
	// Service holds the node as written (for a delete, as last written).
	Service *domains.Service
	// Link is the link the node was heard on.
	Link string
	// Heard is when the link reported the change, Written when the
	// Target acknowledged it.
	Heard, Written time.Time
}

// Stats counts what a bridge did.
type Stats struct {
	Puts, Deletes uint64 // writes acknowledged by the Target
	Failures      uint64 // writes that failed and were retried
	// Tagged counts nodes not mirrored because they already carry a site
	// tag (they came from a bridge); LinkLocal those reachable only at a
	// link-local address.
	Tagged, LinkLocal uint64
}

// A Bridge mirrors links into a Target; Run does the work.
type Bridge struct {
	cfg Config

	mu      sync.Mutex
	heard   map[nodeKey]*heardNode // what the links have now
	written map[nodeKey]*writtenNode
	dirty   map[nodeKey]time.Time // changed since written, with when heard
	wake    chan struct{}

	puts, deletes, failures, tagged, linkLocal atomic.Uint64
}

// nodeKey identifies a node across links; ids compare ignoring case, as
// mDNS names do (RFC 6762 §16).
type nodeKey struct{ name, id string }

// heardNode is a node as the links report it: a copy per link.
type heardNode struct {
	order  []string                    // links in the order they reported it
	copies map[string]*domains.Service // by link
}

// writtenNode is what the Target holds of a node.
type writtenNode struct {
	svc     *domains.Service
	origins []string
	link    string
}

// New returns a Bridge configured by cfg.
func New(cfg Config) (*Bridge, error) {
	switch {
	case cfg.Target == nil:
		return nil, fmt.Errorf("%w: no Target", ErrInvalidConfig)
	case len(cfg.Links) == 0:
		return nil, fmt.Errorf("%w: no Links", ErrInvalidConfig)
	case cfg.Site == "":
		return nil, fmt.Errorf("%w: no Site", ErrInvalidConfig)
	}
	for i, l := range cfg.Links {
		if l.Name == "" || l.Source == nil {
			return nil, fmt.Errorf("%w: link %d needs a Name and a Source", ErrInvalidConfig, i)
		}
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = 100 * time.Millisecond
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(time.Second, cfg.RetryMin)
	}
	if len(cfg.Domains) == 0 {
		cfg.Domains = []string{"local"}
	}
	return &Bridge{
		cfg:     cfg,
		heard:   make(map[nodeKey]*heardNode),
		written: make(map[nodeKey]*writtenNode),
		dirty:   make(map[nodeKey]time.Time),
		wake:    make(chan struct{}, 1),
	}, nil
}

// Stats returns the bridge's counters.
func (b *Bridge) Stats() Stats {
	return Stats{Puts: b.puts.Load(), Deletes: b.deletes.Load(), Failures: b.failures.Load(), Tagged: b.tagged.Load(), LinkLocal: b.linkLocal.Load()}
}

func (b *Bridge) log(format string, args ...any) {
	if b.cfg.Logf != nil {
		b.cfg.Logf(format, args...)
	}
}

// Run mirrors until ctx ends, then returns ctx.Err() once its goroutines
// have stopped. What it wrote stays in the Target: closing the etcd
// registry revokes its lease and removes it at once; a bridge that dies
// leaves it until the lease expires.
func (b *Bridge) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, l := range b.cfg.Links {
		// Each link is read through a merged view of its own, so that a
		// link source that fails keeps its nodes (stale) instead of
		// having them deleted from the Target, and is read again
		// correctly when it recovers.
		m, err := domains.NewMerged(domains.MergedConfig{Sources: []domains.MergedSource{{Name: l.Name, Source: l.Source}}, Logf: b.cfg.Logf})
		if err != nil {
			return err
		}
		defer m.Close()
		l := Link{Name: l.Name, Source: m}
		for _, d := range b.cfg.Domains {
			services := b.cfg.Services
			if len(services) == 0 {
				services = []string{""}
			}
			for _, s := range services {
				wg.Go(func() { b.follow(ctx, l, d, s) })
			}
		}
	}
	wg.Go(func() { b.write(ctx) })
	wg.Wait()
	return ctx.Err()
}

// follow watches one service (or all) of one domain on a link, again
// with backoff if the watch fails, until ctx ends.
func (b *Bridge) follow(ctx context.Context, l Link, domain, service string) {
	backoff := b.cfg.RetryMin
	for ctx.Err() == nil {
		seen := map[nodeKey]bool{}
		err := l.Source.Watch(ctx, domain, service, func(r domains.Result) error {
			b.heardResult(l.Name, r, seen)
			return nil
		})
		if ctx.Err() != nil {
			return
		}
		b.log("bridge: watching %s in %q on %s: %v", orAll(service), domain, l.Name, err)
		// Only a callback that fell thousands of events behind ends a
		// merged view's Watch. What it reported is no longer known: the
		// next watch reports it again (a create for every node).
		for k := range seen {
			b.forget(l.Name, k)
		}
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, b.cfg.RetryMax)
	}
}

func orAll(s string) string {
	if s == "" {
		return "every service"
	}
	return s
}

// heardResult applies one result of a link's watch.
func (b *Bridge) heardResult(link string, r domains.Result, seen map[nodeKey]bool) {
	s := r.Service
	if s == nil || len(s.Nodes) != 1 || s.Nodes[0] == nil {
		return
	}
	n := s.Nodes[0]
	k := nodeKey{s.Name, strings.ToLower(n.Id)}
	if r.Action == domains.ActionDelete {
		delete(seen, k)
		b.forget(link, k)
		return
	}
	if _, ok := n.Metadata[domains.MetaSite]; ok {
		b.tagged.Add(1) // mirrored by a bridge once already
		return
	}
	if !routable(n.Address) {
		b.linkLocal.Add(1)
		b.forget(link, k)
		return
	}
	seen[k] = true
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.heard[k]
	if h == nil {
		h = &heardNode{copies: map[string]*domains.Service{}}
		b.heard[k] = h
	}
	if _, ok := h.copies[link]; !ok {
		h.order = append(h.order, link)
	}
	h.copies[link] = s
	b.markDirty(k)
}

// forget drops a link's copy of a node.
func (b *Bridge) forget(link string, k nodeKey) {
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.heard[k]
	if h == nil || h.copies[link] == nil {
		return
	}
	delete(h.copies, link)
	h.order = slices.DeleteFunc(h.order, func(l string) bool { return l == link })
	if len(h.order) == 0 {
		delete(b.heard, k)
	}
	b.markDirty(k)
}

// markDirty queues k for the writer; b.mu is held.
func (b *Bridge) markDirty(k nodeKey) {
	if _, ok := b.dirty[k]; !ok {
		b.dirty[k] = time.Now()
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// routable reports whether a node address can be reached from another
// link: not link-local, not unspecified (a host name is taken as is).
func routable(addr string) bool {
	host, _, ok := strings.Cut(addr, "]:")
	if ok {
		host = strings.TrimPrefix(host, "[")
	} else if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		host = addr[:i]
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host != ""
	}
	return !a.IsLinkLocalUnicast() && !a.IsUnspecified() && !a.IsLoopback()
}

// write brings the Target in line with what the links have, retrying
// failures with backoff, until ctx ends.
func (b *Bridge) write(ctx context.Context) {
	backoff := b.cfg.RetryMin
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.wake:
		}
		for {
			if b.flush(ctx) {
				backoff = b.cfg.RetryMin
				break
			}
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, b.cfg.RetryMax)
		}
	}
}

// flush writes every dirty node; it reports whether all writes succeeded
// (failed ones stay dirty).
func (b *Bridge) flush(ctx context.Context) bool {
	b.mu.Lock()
	keys := slices.SortedFunc(maps.Keys(b.dirty), func(x, y nodeKey) int {
		return strings.Compare(x.name+"\x00"+x.id, y.name+"\x00"+y.id)
	})
	b.mu.Unlock()
	ok := true
	for _, k := range keys {
		if ctx.Err() != nil {
			return true
		}
		b.mu.Lock()
		heardAt := b.dirty[k]
		delete(b.dirty, k)
		want, link := b.desired(k)
		have := b.written[k]
		b.mu.Unlock()
		if err := b.apply(ctx, k, want, link, have, heardAt); errors.Is(err, domains.ErrInvalidService) {
			b.log("bridge: %s/%s cannot be written: %v", k.name, k.id, err) // trying again will not help
		} else if err != nil {
			ok = false
			b.failures.Add(1)
			b.log("bridge: writing %s/%s: %v (retrying)", k.name, k.id, err)
			b.mu.Lock()
			if _, again := b.dirty[k]; !again {
				b.dirty[k] = heardAt
			}
			b.mu.Unlock()
		}
	}
	return ok
}

// desired is the node as the Target should hold it (nil: not at all), and
// the link its copy comes from; b.mu is held.
func (b *Bridge) desired(k nodeKey) (*domains.Service, string) {
	h := b.heard[k]
	if h == nil {
		return nil, ""
	}
	link := h.order[0]
	s := h.copies[link].Clone()
	n := s.Nodes[0]
	n.Metadata = maps.Clone(n.Metadata)
	if n.Metadata == nil {
		n.Metadata = map[string]string{}
	}
	n.Metadata[domains.MetaSite] = b.cfg.Site
	n.Metadata[domains.MetaLink] = link
	return s, link
}

// apply registers want (in each of its origin domains) and deregisters
// what have holds beyond it.
func (b *Bridge) apply(ctx context.Context, k nodeKey, want *domains.Service, link string, have *writtenNode, heard time.Time) error {
	origins := []string{""} // the Target's default domain
	if want != nil {
		if ds := splitDomains(want.Nodes[0].Domain); len(ds) > 0 {
			origins = ds
		}
	}
	if have != nil && want != nil && slices.Equal(have.origins, origins) && reflect.DeepEqual(have.svc, want) {
		return nil // reported again (a restarted watch), unchanged
	}
	if have != nil {
		for _, o := range have.origins {
			if want != nil && slices.Contains(origins, o) && want.Nodes[0].Id == have.svc.Nodes[0].Id {
				continue // overwritten below
			}
			if err := b.cfg.Target.Deregister(ctx, o, have.svc); err != nil {
				return err
			}
		}
		if want == nil {
			b.mu.Lock()
			delete(b.written, k)
			b.mu.Unlock()
			b.deletes.Add(1)
			b.event("delete", have.svc, have.link, heard)
			return nil
		}
	}
	if want == nil {
		return nil
	}
	var opts []domains.RegisterOption
	if b.cfg.TTL > 0 {
		opts = append(opts, domains.WithTTL(b.cfg.TTL))
	}
	for _, o := range origins {
		if err := b.cfg.Target.Register(ctx, o, want, opts...); err != nil {
			return err
		}
	}
	b.mu.Lock()
	b.written[k] = &writtenNode{svc: want, origins: origins, link: link}
	b.mu.Unlock()
	b.puts.Add(1)
	b.event("put", want, link, heard)
	return nil
}

// splitDomains reads Node.Domain: one domain, or several comma-separated
// for a node registered in several.
func splitDomains(d string) []string {
	var out []string
	for _, o := range strings.Split(d, ",") {
		if o = strings.TrimSpace(o); o != "" && !slices.Contains(out, o) {
			out = append(out, o)
		}
	}
	return out
}

func (b *Bridge) event(action string, s *domains.Service, link string, heard time.Time) {
	if b.cfg.Events != nil {
		b.cfg.Events(Event{Action: action, Service: s.Clone(), Link: link, Heard: heard, Written: time.Now()})
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
