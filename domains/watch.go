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
	w := newWatchQueue[Result](service)
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

	return w.drain(ctx, r.ctx.Done(), fn)
}

// watcher is one Watch call's queue.
type watcher = watchQueue[Result]

// watchQueue is the queue of one watch call (Registry.Watch, Merged's
// WatchNodes): what happened, waiting for the caller's callback, bounded
// by maxQueue.
type watchQueue[T any] struct {
	service string        // "" for all
	wake    chan struct{} // capacity 1: "the queue is not empty"

	mu       sync.Mutex
	queue    []T
	overflow bool
}

func newWatchQueue[T any](service string) *watchQueue[T] {
	return &watchQueue[T]{service: service, wake: make(chan struct{}, 1)}
}

func (w *watchQueue[T]) push(v T) {
	w.mu.Lock()
	if len(w.queue) >= maxQueue {
		w.overflow = true
	} else {
		w.queue = append(w.queue, v)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *watchQueue[T]) take() ([]T, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	q := w.queue
	w.queue = nil
	return q, w.overflow
}

// drain calls fn with everything queued, on the calling goroutine, until
// ctx ends (ctx.Err()), closed is closed (ErrClosed), fn fails (its
// error) or the queue overflowed (ErrWatchOverflow).
func (w *watchQueue[T]) drain(ctx context.Context, closed <-chan struct{}, fn func(T) error) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-closed:
			return ErrClosed
		case <-w.wake:
		}
		batch, overflow := w.take()
		for _, v := range batch {
			if err := fn(v); err != nil {
				return err
			}
		}
		if overflow {
			return ErrWatchOverflow
		}
	}
}
