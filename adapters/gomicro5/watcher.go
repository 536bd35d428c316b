package gomicro5

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/mdnskit/mdnskit/domains"
	"go-micro.dev/v5/registry"
)

// Watch reports changes to the services of the call's domain (one service
// with registry.WatchService): a "create" for every node already known,
// then "create", "update" (a node's address, metadata or endpoints
// changed) and "delete" (a goodbye, or a node that stopped answering or
// crashed, by the time its records expire). Each Result holds one node.
// A watcher whose reader falls thousands of results behind ends with
// domains.ErrWatchOverflow (go-micro's cache then watches again).
// registry.WatchContext ends the watch with its context.
func (r *Registry) Watch(opts ...registry.WatchOption) (registry.Watcher, error) {
	var o registry.WatchOptions
	for _, opt := range opts {
		opt(&o)
	}
	c, err := r.begin(o.Context, false)
	if err != nil {
		return nil, err
	}
	w := &watcher{r: r, ctx: c.ctx, cancel: c.cancel, results: make(chan *registry.Result), done: make(chan struct{})}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		c.cancel()
		return nil, domains.ErrClosed
	}
	r.watchers[w] = struct{}{}
	r.mu.Unlock()
	go w.run(c, o.Service)
	return w, nil
}

// watcher runs one domains Watch on its own goroutine and hands its
// results to Next; domains queues them while nobody reads.
type watcher struct {
	r       *Registry
	ctx     context.Context
	cancel  context.CancelFunc
	results chan *registry.Result
	done    chan struct{} // closed when run returns; err is set then
	err     error

	stopOnce sync.Once
	stopped  atomic.Bool // set by Stop before cancel
}

func (w *watcher) run(c *call, service string) {
	defer close(w.done)
	w.err = c.reg.Watch(w.ctx, c.domain, service, func(res domains.Result) error {
		select {
		case w.results <- &registry.Result{Action: res.Action, Service: fromDomains(res.Service, c.read)}:
			return nil
		case <-w.ctx.Done():
			return w.ctx.Err()
		}
	})
}

// Next blocks until the next result, or returns the error that ended the
// watch: registry.ErrWatcherStopped after Stop.
func (w *watcher) Next() (*registry.Result, error) {
	select {
	case res := <-w.results:
		return res, nil
	case <-w.done:
		if w.stopped.Load() {
			return nil, registry.ErrWatcherStopped
		}
		return nil, w.err
	}
}

// Stop ends the watch and waits for its goroutine. Calling it again does
// nothing.
func (w *watcher) Stop() {
	w.stopOnce.Do(func() {
		w.stopped.Store(true)
		w.cancel()
		<-w.done
		w.r.mu.Lock()
		delete(w.r.watchers, w)
		w.r.mu.Unlock()
	})
}
