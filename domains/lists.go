package domains

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// Micro flavour list entries. go-micro's ListServices asks for
// "_services.<domain>." and lists "<service>._services.<domain>." names,
// so every domain with a node of a service needs that entry on the link.
// It is a unique name (SRV, TXT) that every host with such a node would
// publish, with different SRV targets: a conflict (RFC 6762 §9). go-micro
// never notices, because it never probes. Here one host holds the entry
// and the others stand by: a host that loses the probe watches the list
// and takes over when the holder withdraws it or stops answering.

// listRetry is how long a standby waits before trying again even when the
// list still shows the entry (its holder's records may be stale).
const listRetry = 30 * time.Second

// listStandby is the pause after losing the entry to another host, so the
// list browse can see the holder before the next attempt.
const listStandby = 2 * time.Second

type listKey struct{ domain, name string }

type listKeeper struct {
	cancel  context.CancelFunc
	done    chan struct{}
	held    atomic.Bool   // the entry is ours on the link
	settled chan struct{} // closed at the first outcome: ours, or another host's
	once    sync.Once
}

func (lk *listKeeper) settle() { lk.once.Do(func() { close(lk.settled) }) }

// waitSettled waits until each keeper's entry is established on the link
// (by us or another host) or ctx ends. go-micro's Register is synchronous:
// once it returns, ListServices lists the service; ours keeps that promise.
func waitSettled(ctx context.Context, lks []*listKeeper) {
	for _, lk := range lks {
		select {
		case <-lk.settled:
		case <-ctx.Done():
			return
		}
	}
}

// reconcileLists starts and stops list entries to match the registered
// nodes and mirrors; it runs under regMu. Stopping waits for the goodbyes.
// It returns the keepers it started.
func (r *Registry) reconcileLists() (started []*listKeeper) {
	if r.flavour != Micro {
		return nil
	}
	want := map[listKey]time.Duration{}
	for k, nr := range r.nodes {
		if k.domain != r.global {
			want[listKey{k.domain, k.name}] = nr.ttl
		}
	}
	for k := range r.mirrors {
		want[listKey{r.global, k.name}] = r.ttl
	}
	var stopped []*listKeeper
	for k, lk := range r.lists {
		if _, ok := want[k]; !ok {
			lk.cancel()
			stopped = append(stopped, lk)
			delete(r.lists, k)
		}
	}
	for _, lk := range stopped {
		<-lk.done
	}
	for k, ttl := range want {
		if r.lists[k] != nil {
			continue
		}
		ctx, cancel := context.WithCancel(r.ctx)
		lk := &listKeeper{cancel: cancel, done: make(chan struct{}), settled: make(chan struct{})}
		if !r.spawn(func() {
			defer close(lk.done)
			defer lk.settle()
			r.keepList(ctx, k, ttl, lk)
		}) {
			cancel()
			return started
		}
		r.lists[k] = lk
		started = append(started, lk)
	}
	return started
}

// keepList holds the list entry of k until ctx ends, then withdraws it.
func (r *Registry) keepList(ctx context.Context, k listKey, ttl time.Duration, lk *listKeeper) {
	held := &lk.held
	svc := mdns.Service{
		Instance:    k.name,
		Type:        MicroListType,
		Domain:      k.domain,
		Port:        microListPort,
		TTL:         ttl,
		NoRename:    true,
		OwnMessages: true,
		// go-micro names the entry "<service>._services.<domain>." with
		// the service name's dots separating labels.
		DottedInstance: true,
	}
	for ctx.Err() == nil {
		reg, err := r.conn.Register(ctx, svc)
		lk.settle() // established by us, or held by another host
		switch {
		case err == nil:
			held.Store(true)
			lost := r.holdUntilLost(ctx, reg)
			held.Store(false)
			if !lost {
				gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), goodbyeTimeout)
				reg.Deregister(gctx)
				cancel()
				return
			}
			r.log("domains: list entry %s._services.%s lost to another host", k.name, k.domain)
		case ctx.Err() != nil:
			return
		case errors.Is(err, mdns.ErrNameConflict):
			// Another host lists the service: stand by.
			if !sleepCtx(ctx, listStandby) {
				return
			}
			r.waitUnlisted(ctx, k)
		default:
			r.log("domains: list entry %s._services.%s: %v", k.name, k.domain, err)
			if !sleepCtx(ctx, listRetry) {
				return
			}
		}
	}
}

// holdUntilLost waits until ctx ends (false) or the registration fails,
// e.g. a late conflict (true).
func (r *Registry) holdUntilLost(ctx context.Context, reg *mdns.Registration) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-reg.Changed():
			if reg.Err() != nil {
				return true
			}
		}
	}
}

// waitUnlisted waits until the domain's list no longer shows k's entry,
// listRetry has passed or ctx ends.
func (r *Registry) waitUnlisted(ctx context.Context, k listKey) {
	v, err := r.view(k.domain)
	if err != nil {
		return
	}
	timeout := time.NewTimer(listRetry)
	defer timeout.Stop()
	for {
		v.mu.Lock()
		v.ensureBrowse(MicroListType)
		_, listed := v.listed[strings.ToLower(k.name)]
		changed := v.listCh
		v.mu.Unlock()
		if !listed {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-timeout.C:
			return
		case <-changed:
		}
	}
}

// sleepCtx sleeps for d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// holdsList reports whether this Registry currently publishes k's list
// entry (for tests).
func (r *Registry) holdsList(domain, name string) bool {
	r.regMu.Lock()
	defer r.regMu.Unlock()
	lk := r.lists[listKey{domain, name}]
	return lk != nil && lk.held.Load()
}
