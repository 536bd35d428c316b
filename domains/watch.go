package domains

import (
	"context"
	"sync"
)

// maxQueue bounds the results waiting for one Watch callback.
const maxQueue = 4096

// Watch calls fn with every change to the services of a domain ("": the
// default), or to one service when service is not empty, until ctx ends
// (it returns ctx.Err()), fn returns an error (returned as is) or the
// Registry closes (ErrClosed). It starts with a create for every node
// already known, then reports create, update (a node's address, metadata
// or endpoints changed) and delete (goodbye, TTL expiry or a node that
// stopped answering, RFC 6762 §10.5). Each Result holds one node. fn runs
// on the calling goroutine, one result at a time; a callback that falls
// more than 4096 results behind ends the Watch with ErrWatchOverflow.
func (r *Registry) Watch(ctx context.Context, domain, service string, fn func(Result) error) error {
	if service != "" {
		if err := r.validateName(service); err != nil {
			return err
		}
	}
	v, err := r.view(domain)
	if err != nil {
		return err
	}
	w := &watcher{service: service, wake: make(chan struct{}, 1)}
	v.mu.Lock()
	if service == "" {
		v.ensureAll()
	} else {
		v.ensureBrowse(r.mdnsType(service))
	}
	for _, s := range v.services(service) {
		for _, n := range s.Nodes {
			w.push(Result{Action: ActionCreate, Service: &Service{Name: s.Name, Version: s.Version, Endpoints: cloneEndpoints(s.Endpoints), Nodes: []*Node{n}}})
		}
	}
	v.watchers[w] = struct{}{}
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		delete(v.watchers, w)
		v.mu.Unlock()
	}()

	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-r.ctx.Done():
			return ErrClosed
		case <-w.wake:
		}
		batch, overflow := w.take()
		for _, res := range batch {
			if err := fn(res); err != nil {
				return err
			}
		}
		if overflow {
			return ErrWatchOverflow
		}
	}
}

// watcher is one Watch call's queue.
type watcher struct {
	service string
	wake    chan struct{} // capacity 1: "the queue is not empty"

	mu       sync.Mutex
	queue    []Result
	overflow bool
}

func (w *watcher) push(res Result) {
	w.mu.Lock()
	if len(w.queue) >= maxQueue {
		w.overflow = true
	} else {
		w.queue = append(w.queue, res)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watcher) take() ([]Result, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queue
	w.queue = nil
	return q, w.overflow
}
