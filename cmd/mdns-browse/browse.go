package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns"
)

// browse runs every browse the options ask for on conn and hands their
// events to handle, one at a time on the calling goroutine, until the
// timeout or ctx ends (nil) or a browse fails (its error).
func browse(ctx context.Context, conn *mdns.Conn, o *options, handle func(mdns.BrowseEvent) error) error {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	var wg sync.WaitGroup
	defer func() {
		cancel(nil)
		wg.Wait() // every browse returns once ctx is done
	}()

	type keyed struct {
		key string // the browse it came from
		ev  mdns.BrowseEvent
	}
	events := make(chan keyed)
	var idle *idleWatch
	if o.untilIdle {
		idle = newIdleWatch()
	}
	started := func(key string) {
		if idle != nil {
			idle.start(key)
		}
	}
	heard := func(key string) {
		if idle != nil {
			idle.heard(key)
		}
	}
	fail := func(err error) {
		if err != nil && ctx.Err() == nil && !errors.Is(err, mdns.ErrClosed) {
			cancel(err)
		}
	}
	forward := func(key string) func(mdns.BrowseEvent) error {
		return func(ev mdns.BrowseEvent) error {
			select {
			case events <- keyed{key, ev}:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	var mu sync.Mutex
	browsing := map[string]bool{} // "type.domain", lower case
	start := func(typ, domain string) {
		key := strings.ToLower(typ + "." + domain)
		mu.Lock()
		defer mu.Unlock()
		if browsing[key] {
			return
		}
		browsing[key] = true
		started(key)
		// Outside local, go-micro's node ids and service names may span
		// several labels ("go.micro.srv.greeter-<uuid>").
		q := mdns.BrowseQuery{Type: typ, Domain: domain, Subtype: o.subtype, DottedInstance: !strings.EqualFold(domain, "local")}
		wg.Go(func() { fail(conn.Browse(ctx, q, forward(key))) })
	}
	for _, d := range o.browseDomains() {
		if len(o.services) > 0 {
			for _, s := range o.services {
				start(s, d)
			}
			continue
		}
		// RFC 6763 §9: the types in use, then a browse of each. Types
		// that go away keep their browse, whose instances go away too.
		typesKey := "\x00types." + d
		started(typesKey)
		wg.Go(func() {
			fail(conn.BrowseTypes(ctx, d, func(ev mdns.TypeEvent) error {
				heard(typesKey)
				// go-micro's list entries are browsed below, not shown.
				if ev.Kind == mdns.EventAdd && !strings.EqualFold(ev.Type, domains.MicroListType) {
					start(ev.Type, ev.Domain)
				}
				return nil
			}))
		})
		if !strings.EqualFold(d, "local") {
			// go-micro lists its services as "<name>._services.<domain>."
			// instead (docs/gomicro-wire.md, Names); it never uses
			// local, where only DNS-SD's list is asked for.
			listKey := "\x00list." + d
			started(listKey)
			wg.Go(func() {
				fail(domains.BrowseMicroList(ctx, conn, d, func(kind mdns.EventKind, service string) error {
					heard(listKey)
					if kind == mdns.EventAdd {
						start(service, d)
					}
					return nil
				}))
			})
		}
	}
	var quiet <-chan time.Time
	for {
		if idle != nil {
			wait := time.Until(idle.due())
			if wait <= 0 {
				return nil // the link has gone quiet
			}
			quiet = time.After(wait)
		}
		select {
		case k := <-events:
			heard(k.key)
			if err := handle(k.ev); err != nil {
				cancel(err)
				return err
			}
		case <-quiet:
		case <-ctx.Done():
			if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				return err
			}
			return nil
		}
	}
}
