package domains

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/txt"
)

// Plain DNS-SD services (a web server, a printer: any type, any TXT) are
// mirrored into the global domain too, like registry nodes: one browse of
// the global domain — and Avahi, Bonjour and python-zeroconf, which only
// browse local — sees every domain. The mirror is the same instance, type,
// subtypes and port in the global domain, its TXT record the service's
// with a domain=<origin> attribute (MetaDomain; a domain attribute of the
// service's own is left out of the mirror). A service published under one
// name in several domains gets one mirror, its origins comma-separated in
// publication order, so mirroring never conflicts with itself.

// A Publication is a plain DNS-SD service published by Publish, with its
// mirror in the global domain. Its methods are safe for concurrent use.
type Publication struct {
	r      *Registry
	domain string
	key    plainKey // its mirror's key; zero without a mirror
	reg    *mdns.Registration

	// Guarded by r.plainMu.
	svc  mdns.Service // as last published (Instance as asked)
	seq  uint64       // when svc was last set, for the mirror's "latest"
	done bool
}

// plainKey identifies a mirror of plain services: the type and the
// instance name, case-insensitively (RFC 6762 §16).
type plainKey struct{ typ, instance string }

// plainMirror is the global domain's instance for the publications of one
// name.
type plainMirror struct {
	pubs []*Publication // in publication order
	text [][]byte
	port uint16
	reg  *mdns.Registration
}

// PublishOption modifies one Publish call.
type PublishOption func(*publishOptions)

type publishOptions struct{ noMirror bool }

// WithoutMirror publishes the service in its own domain only.
func WithoutMirror() PublishOption { return func(o *publishOptions) { o.noMirror = true } }

// Publish publishes the plain DNS-SD service s in domain ("": the
// registry's default; s.Domain, if set, must name the same one) like
// mdns.Conn.Register — probing, renaming
// "Name (2)" on a conflict unless s.NoRename — and, when that domain is not
// the global one and WithoutMirror is not given, mirrors it into the global
// domain under its final name, with domain=<origin> in its TXT record. It
// returns once both are established. The mirror is probed like any name:
// it may be renamed on its own, and with s.NoRename a conflict over it
// fails Publish, which then withdraws the service. A rename of the service
// after it was established (a late conflict, RFC 6762 §9) leaves its
// mirror's name as it was.
func (r *Registry) Publish(ctx context.Context, domain string, s mdns.Service, opts ...PublishOption) (*Publication, error) {
	var o publishOptions
	for _, opt := range opts {
		opt(&o)
	}
	dom, err := r.domainOf(domain)
	if err != nil {
		return nil, err
	}
	if s.Domain != "" && NormalizeDomain(s.Domain) != dom {
		return nil, errInvalid("Publish in %s of a service whose Domain is %q", dom, s.Domain)
	}
	s.Domain = dom
	if r.isClosed() {
		return nil, ErrClosed
	}
	reg, err := r.conn.Register(ctx, s)
	if err != nil {
		return nil, err
	}
	p := &Publication{r: r, domain: dom, svc: s, reg: reg}
	r.plainMu.Lock()
	closed := r.isClosed()
	if !closed {
		r.pubSeq++
		p.seq = r.pubSeq
		r.pubs[p] = true
	}
	r.plainMu.Unlock()
	if closed { // Close began meanwhile and will not see p
		return nil, errors.Join(ErrClosed, reg.Deregister(ctx))
	}
	if dom == r.global || o.noMirror {
		return p, nil
	}
	p.key = plainKey{strings.ToLower(s.Type), strings.ToLower(reg.Instance())}
	if err := r.mirrorPlain(ctx, p.key, func(m *plainMirror) { m.pubs = append(m.pubs, p) }); err != nil {
		return nil, errors.Join(fmt.Errorf("domains: mirroring %q into %s: %w", reg.Instance(), r.global, err), p.Withdraw(ctx))
	}
	return p, nil
}

// mirrorPlain applies change to the publications of a mirror and
// publishes the result: the mirror registered, updated in place, or
// withdrawn when no publication is left. Calls for one name are
// serialised; the mdns calls (a registration probes for about a second)
// run without plainMu.
func (r *Registry) mirrorPlain(ctx context.Context, key plainKey, change func(*plainMirror)) error {
	unlock := r.plainLocks.lock(key)
	defer unlock()

	r.plainMu.Lock()
	m := r.plain[key]
	next := &plainMirror{}
	if m != nil {
		next.pubs = slices.Clone(m.pubs)
	}
	change(next)
	var latest *Publication
	var origins []string
	for _, q := range next.pubs {
		if latest == nil || q.seq > latest.seq {
			latest = q
		}
		if !slices.Contains(origins, q.domain) {
			origins = append(origins, q.domain)
		}
	}
	var ms mdns.Service
	if latest != nil {
		ms = latest.svc
		ms.Instance, ms.Domain = latest.reg.Instance(), r.global
		ms.Text = mirrorAttrs(ms.Text, strings.Join(origins, ","))
		next.text, next.port = ms.Text, ms.Port
	}
	r.plainMu.Unlock()

	var err error
	switch {
	case latest == nil && m == nil:
	case latest == nil:
		err = m.reg.Deregister(ctx)
	case m == nil:
		next.reg, err = r.conn.Register(ctx, ms)
	default:
		next.reg = m.reg
		if !equalText(m.text, next.text) || m.port != next.port {
			err = m.reg.Update(ctx, next.text, next.port)
		}
	}
	r.plainMu.Lock()
	defer r.plainMu.Unlock()
	switch {
	case latest == nil:
		delete(r.plain, key)
	case err == nil:
		r.plain[key] = next
	}
	return err
}

// mirrorAttrs is a mirror's TXT record: the service's strings without a
// domain attribute of their own, then domain=<origins>.
func mirrorAttrs(text [][]byte, origins string) [][]byte {
	out := make([][]byte, 0, len(text)+1)
	for _, s := range text {
		if a := txt.Decode([][]byte{s}); len(a) == 1 && strings.EqualFold(a[0].Key, MetaDomain) {
			continue
		}
		out = append(out, s)
	}
	return append(out, []byte(MetaDomain+"="+origins))
}

// Instance returns the service's current name in its domain.
func (p *Publication) Instance() string { return p.reg.Instance() }

// Registration is the service's registration in its own domain: its
// Changed channel reports renames after a late conflict, and failures.
func (p *Publication) Registration() *mdns.Registration { return p.reg }

// Mirrored reports whether the service has a mirror in the global domain.
func (p *Publication) Mirrored() bool { return p.key != plainKey{} }

// Update replaces the TXT strings and port of the service, and of its
// mirror, in place (RFC 6762 §8.4).
func (p *Publication) Update(ctx context.Context, text [][]byte, port uint16) error {
	if err := p.reg.Update(ctx, text, port); err != nil {
		return err
	}
	r := p.r
	r.plainMu.Lock()
	p.svc.Text, p.svc.Port = cloneText(text), port
	r.pubSeq++
	p.seq = r.pubSeq
	r.plainMu.Unlock()
	if !p.Mirrored() {
		return nil
	}
	return r.mirrorPlain(ctx, p.key, func(*plainMirror) {})
}

// Withdraw removes the service, with goodbyes (RFC 6762 §10.1), and its
// origin from the mirror: the mirror goes with the last publication of its
// name. Calling it again does nothing.
func (p *Publication) Withdraw(ctx context.Context) error {
	r := p.r
	r.plainMu.Lock()
	done := p.done
	p.done = true
	delete(r.pubs, p)
	r.plainMu.Unlock()
	if done {
		return nil
	}
	err := p.reg.Deregister(ctx)
	if p.Mirrored() {
		err = errors.Join(err, r.mirrorPlain(ctx, p.key, func(m *plainMirror) {
			m.pubs = slices.DeleteFunc(m.pubs, func(q *Publication) bool { return q == p })
		}))
	}
	return err
}

// withdrawPlain withdraws every publication (Close, after closed is set:
// no new one is added).
func (r *Registry) withdrawPlain(ctx context.Context) error {
	r.plainMu.Lock()
	pubs := make([]*Publication, 0, len(r.pubs))
	for p := range r.pubs {
		pubs = append(pubs, p)
	}
	r.plainMu.Unlock()
	var mu sync.Mutex
	var errs []error
	runAll(pubs, func(p *Publication) {
		err := p.Withdraw(ctx)
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	})
	return errors.Join(errs...)
}

// keyLocks serialises operations per key.
type keyLocks[K comparable] struct {
	mu sync.Mutex
	m  map[K]*keyLock
}

type keyLock struct {
	sync.Mutex
	users int
}

func (l *keyLocks[K]) lock(k K) (unlock func()) {
	l.mu.Lock()
	if l.m == nil {
		l.m = make(map[K]*keyLock)
	}
	e := l.m[k]
	if e == nil {
		e = &keyLock{}
		l.m[k] = e
	}
	e.users++
	l.mu.Unlock()
	e.Lock()
	return func() {
		e.Unlock()
		l.mu.Lock()
		if e.users--; e.users == 0 {
			delete(l.m, k)
		}
		l.mu.Unlock()
	}
}

func cloneText(t [][]byte) [][]byte {
	out := make([][]byte, len(t))
	for i, s := range t {
		out[i] = slices.Clone(s)
	}
	return out
}
