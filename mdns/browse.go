package mdns

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
)

// EventKind says what happened to a browsed instance or type.
type EventKind int

const (
	// EventAdd: the instance is fully resolved (SRV, TXT and at least
	// one address), or the service type was seen, for the first time.
	EventAdd EventKind = iota + 1
	// EventUpdate: its host, port, TXT record or address set changed.
	EventUpdate
	// EventRemove: its PTR record went away (goodbye, expiry, RFC 6762
	// §10.5 failure observation, interface gone) or it can no longer be
	// resolved.
	EventRemove
)

func (k EventKind) String() string {
	switch k {
	case EventAdd:
		return "add"
	case EventUpdate:
		return "update"
	case EventRemove:
		return "remove"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// BrowseEvent reports a change of one service instance. A remove carries
// the entry as it was last reported.
type BrowseEvent struct {
	Kind  EventKind
	Entry ServiceEntry
}

// BrowseQuery names what to browse: instances of Type ("_http._tcp"),
// optionally only those registered under Subtype ("_printer"), in Domain
// ("" means "local").
type BrowseQuery struct {
	Type    string
	Subtype string
	Domain  string
	// DottedInstance accepts instance names of several labels and
	// reports them joined with dots. DNS-SD instances are one label
	// (RFC 6763 §4.1); go-micro's service list is not
	// ("go.micro.srv.greeter._services.micro.").
	DottedInstance bool
}

// TypeEvent reports a service type seen or gone in a domain
// (RFC 6763 §9).
type TypeEvent struct {
	Kind   EventKind // EventAdd or EventRemove
	Type   string    // e.g. "_http._tcp"
	Domain string    // e.g. "local"
}

// servicesName is the service type enumeration name (RFC 6763 §9).
const servicesName = "_services._dns-sd._udp"

func cleanDomain(d string) (string, error) {
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		d = "local"
	}
	if err := validateDotted("domain", d); err != nil {
		return "", err
	}
	return d, nil
}

// Browse follows the instances of a service type and calls fn, on the
// calling goroutine and one event at a time, for every instance that
// becomes fully resolved (add), changes (update) or goes away (remove).
// Instances already in the cache are reported at once. It returns
// ctx.Err() when ctx is done, fn's error if fn returns one, or ErrClosed
// when the Conn closes. Browse starts no goroutine.
//
// Events are computed from the Conn's cache, which every Browse shares. A
// slow fn delays nothing else: pending events are coalesced per instance,
// and a remove is never lost.
func (c *Conn) Browse(ctx context.Context, q BrowseQuery, fn func(BrowseEvent) error) error {
	b, err := c.newInstanceBrowser(q)
	if err != nil {
		return err
	}
	return c.run(ctx, b, func(ev event) error { return fn(BrowseEvent{Kind: ev.kind, Entry: ev.entry}) })
}

// BrowseSeq is Browse as an iterator. The sequence ends when ctx is done,
// the Conn closes (the last pair then carries the error) or the loop
// stops.
func (c *Conn) BrowseSeq(ctx context.Context, q BrowseQuery) iter.Seq2[BrowseEvent, error] {
	return func(yield func(BrowseEvent, error) bool) {
		errStop := errors.New("stop")
		err := c.Browse(ctx, q, func(ev BrowseEvent) error {
			if !yield(ev, nil) {
				return errStop
			}
			return nil
		})
		if err != nil && err != errStop {
			yield(BrowseEvent{}, err)
		}
	}
}

func (c *Conn) newInstanceBrowser(q BrowseQuery) (*browser, error) {
	domain, err := cleanDomain(q.Domain)
	if err != nil {
		return nil, err
	}
	typ := strings.TrimSuffix(q.Type, ".")
	if err := validateDotted("service type", typ); err != nil {
		return nil, err
	}
	b := newBrowser(c.qr, browseInstances)
	b.typ, b.domain, b.subtype, b.dotted = typ, domain, q.Subtype, q.DottedInstance
	base := dottedName(typ + "." + domain)
	b.suffix = canonical(base)
	b.ptrName = base
	if q.Subtype != "" {
		if len(q.Subtype) > MaxLabel || strings.ContainsAny(q.Subtype, ".\\") {
			return nil, fmt.Errorf("%w: subtype %q must be one label of 1–%d bytes", ErrInvalidName, q.Subtype, MaxLabel)
		}
		// RFC 6763 §7.1: "<subtype>._sub.<type>.<domain>."
		b.ptrName = fqdn(base, q.Subtype, "_sub")
	}
	b.ptr = canonical(b.ptrName)
	return b, nil
}

// Resolve waits for the instance Instance.Type.Domain to be fully resolved
// and returns it, with the addresses of both families when its host has
// them: as LookupHost, it waits up to 1.25 s after the first address for
// the other type, unless the host's NSEC denies it. When ctx ends first,
// the error wraps both ErrNotFound and ctx.Err().
func (c *Conn) Resolve(ctx context.Context, instance, typ, domain string) (ServiceEntry, error) {
	if err := ValidateInstance(instance); err != nil {
		return ServiceEntry{}, err
	}
	d, err := cleanDomain(domain)
	if err != nil {
		return ServiceEntry{}, err
	}
	typ = strings.TrimSuffix(typ, ".")
	if err := validateDotted("service type", typ); err != nil {
		return ServiceEntry{}, err
	}
	b := newBrowser(c.qr, browseResolve)
	b.typ, b.domain = typ, d
	b.resolveName, b.resolveL = fqdn(dottedName(typ+"."+d), instance), instance
	got, ok, err := c.runComplete(ctx, b, hostGrace)
	switch {
	case ok:
		return got, nil
	case ctx.Err() != nil && err == ctx.Err():
		return ServiceEntry{}, fmt.Errorf("mdns: resolve %q: %w: %w", instance, ErrNotFound, err)
	}
	return ServiceEntry{}, err
}

// BrowseTypes follows the service types registered in domain ("" means
// "local") through the enumeration name _services._dns-sd._udp
// (RFC 6763 §9), calling fn for every type seen or gone. It returns like
// Browse.
func (c *Conn) BrowseTypes(ctx context.Context, domain string, fn func(TypeEvent) error) error {
	d, err := cleanDomain(domain)
	if err != nil {
		return err
	}
	b := newBrowser(c.qr, browseTypes)
	b.domain = d
	b.suffix = canonical(dottedName(d))
	b.ptrName = dottedName(servicesName + "." + d)
	b.ptr = canonical(b.ptrName)
	return c.run(ctx, b, func(ev event) error { return fn(ev.types) })
}

// run starts b on the loop, hands its events to fn on the calling
// goroutine until ctx is done, fn fails or the Conn closes, and stops b.
func (c *Conn) run(ctx context.Context, b *browser, fn func(event) error) error {
	return c.runAll(ctx, []*browser{b}, fn)
}
