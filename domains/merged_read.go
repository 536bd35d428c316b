package domains

import (
	"context"
	"fmt"
)

// GetService returns the service name as the merged sources see it in a
// domain ("": MergedConfig.Domain): one Service per version, each node
// once, as its winning source has it. The first read of a domain waits
// for each source at most MergedConfig.FirstRead; later reads answer at
// once. ErrNotFound when no source has a node of it.
func (m *Merged) GetService(ctx context.Context, domain, name string) ([]*Service, error) {
	if name == "" {
		return nil, errInvalid("empty service name")
	}
	v, err := m.read(ctx, domain)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	out := v.services(name)
	v.mu.Unlock()
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q in %s", ErrNotFound, name, v.domain)
	}
	return out, nil
}

// ListServices returns every service of the domain ("": the default) in
// the merged view, sorted by name and version, waiting for the first read
// as GetService does.
func (m *Merged) ListServices(ctx context.Context, domain string) ([]*Service, error) {
	v, err := m.read(ctx, domain)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	out := v.services("")
	v.mu.Unlock()
	sortServices(out)
	return out, nil
}

// Nodes returns the merged nodes of a domain ("": the default), of one
// service or of all (service ""), with their sources and conflicts, in
// the order first seen, waiting for the first read as GetService does.
func (m *Merged) Nodes(ctx context.Context, domain, service string) ([]*MergedNode, error) {
	v, err := m.read(ctx, domain)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.details(service), nil
}

func (m *Merged) read(ctx context.Context, domain string) (*mergedView, error) {
	v, err := m.view(domain)
	if err != nil {
		return nil, err
	}
	if err := m.waitFirstRead(ctx, v); err != nil {
		return nil, err
	}
	return v, nil
}

// Watch calls fn with every change of the winning copy of the nodes of a
// domain ("": the default), or of one service, as Registry.Watch does: a
// create for every node already known, then create, update and delete,
// until ctx ends, fn fails or the view closes (ErrClosed). Changes only
// in a node's sources or conflicts are not reported here; WatchNodes
// reports them.
func (m *Merged) Watch(ctx context.Context, domain, service string, fn func(Result) error) error {
	return m.WatchNodes(ctx, domain, service, func(ev MergedEvent) error {
		if !ev.plain {
			return nil
		}
		return fn(Result{Action: ev.Action, Service: ev.Node.Service})
	})
}

// WatchNodes calls fn with every change of the merged nodes of a domain
// ("": the default), or of one service: first a create for every node
// already known, then each MergedEvent, until ctx ends (ctx.Err()), fn
// returns an error (returned as is) or the view closes (ErrClosed). fn
// runs on the calling goroutine, one event at a time; a callback more
// than 4096 events behind ends it with ErrWatchOverflow.
func (m *Merged) WatchNodes(ctx context.Context, domain, service string, fn func(MergedEvent) error) error {
	v, err := m.view(domain)
	if err != nil {
		return err
	}
	w := newWatchQueue[MergedEvent](service)
	v.mu.Lock()
	for _, n := range v.details(service) {
		w.push(MergedEvent{Action: ActionCreate, Node: n, plain: true})
	}
	v.watchers[w] = struct{}{}
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		delete(v.watchers, w)
		v.mu.Unlock()
	}()
	return w.drain(ctx, m.ctx.Done(), fn)
}

// mergedWatcher is one WatchNodes call's queue.
type mergedWatcher = watchQueue[MergedEvent]
