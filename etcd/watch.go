package etcd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/mdnskit/mdnskit/domains"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/connectivity"
)

// Watch calls fn with every change to the nodes of a domain ("" the
// default), or of one service when service is not empty, as
// domains.Registry.Watch does: a create for every node there when it
// starts, then create, update and delete, each Result holding one node
// (a delete holds the node as it was), until ctx ends (ctx.Err()), fn
// returns an error (returned as is), the Registry closes
// (domains.ErrClosed) or etcd stays unreachable for Config.Unavailable
// (ErrUnavailable). fn runs on the calling goroutine.
//
// Unlike go-micro's watcher it misses nothing: it watches from the
// revision its first read returned, delivers every event of each watch
// response, and when that revision has been compacted away it reads the
// prefix again and reports the difference. A node whose version changes
// is reported as a delete and a create: go-micro keys services by name
// and version.
func (r *Registry) Watch(ctx context.Context, domain, service string, fn func(domains.Result) error) error {
	dom, err := r.domainOf(domain)
	if err != nil {
		return err
	}
	prefix := r.prefix
	if service != "" {
		if !validSegment(escape(service)) {
			return invalid("service name %q", service)
		}
		prefix = r.servicePrefix(service)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(r.ctx, cancel) // Close ends every Watch
	defer stop()
	w := &watchRun{r: r, dom: dom, service: service, fn: fn, known: map[string]seenNode{}}
	for {
		rev, err := w.resync(ctx, prefix)
		if err == nil {
			err = w.follow(ctx, prefix, rev)
		}
		var cb callbackErr
		switch {
		case errors.As(err, &cb):
			return cb.err
		case r.isClosed():
			return domains.ErrClosed
		case ctx.Err() != nil:
			return ctx.Err()
		case err != nil:
			return err
		}
		r.stats.resyncs.Add(1) // compacted: read again
	}
}

// watchRun is the state of one Watch: what it has reported, by key.
type watchRun struct {
	r       *Registry
	dom     string
	service string
	fn      func(domains.Result) error
	known   map[string]seenNode
}

// seenNode is a node reported, with the value it was read from.
type seenNode struct {
	svc   *domains.Service
	value []byte
}

// callbackErr carries an error of fn out unchanged.
type callbackErr struct{ err error }

func (e callbackErr) Error() string { return e.err.Error() }

// resync reads the prefix and reports how it differs from what was
// reported so far (everything, the first time); it returns the revision
// read.
func (w *watchRun) resync(ctx context.Context, prefix string) (int64, error) {
	kvs, rev, err := w.r.read(ctx, prefix)
	if err != nil {
		return 0, err
	}
	if w.r.afterRead != nil {
		w.r.afterRead()
	}
	now := map[string]seenNode{}
	for _, kv := range kvs {
		if s := w.node(kv.key, kv.value); s != nil {
			now[kv.key] = seenNode{s, kv.value}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(w.known)) {
		if _, ok := now[k]; !ok {
			if err := w.set(k, seenNode{}); err != nil {
				return 0, err
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(now)) {
		if err := w.set(k, now[k]); err != nil {
			return 0, err
		}
	}
	return rev, nil
}

// node decodes a key of this watch's domain and service; nil otherwise.
func (w *watchRun) node(key string, value []byte) *domains.Service {
	d, why := w.r.decode(key, value)
	if why != readOK {
		w.r.count(why)
		return nil
	}
	s := w.r.inDomain(d, w.dom)
	if s == nil || (w.service != "" && s.Name != w.service) {
		return nil
	}
	return s
}

// set records the node at key as n (n.svc nil: gone) and reports the
// change.
func (w *watchRun) set(key string, n seenNode) error {
	prev := w.known[key]
	old, s := prev.svc, n.svc
	if s == nil {
		delete(w.known, key)
	} else {
		w.known[key] = n
	}
	emit := func(action string, svc *domains.Service) error {
		if err := w.fn(domains.Result{Action: action, Service: svc.Clone()}); err != nil {
			return callbackErr{err}
		}
		return nil
	}
	switch {
	case old == nil && s == nil:
		return nil
	case old == nil:
		return emit(domains.ActionCreate, s)
	case s == nil:
		return emit(domains.ActionDelete, old)
	case old.Version != s.Version:
		if err := emit(domains.ActionDelete, old); err != nil {
			return err
		}
		return emit(domains.ActionCreate, s)
	case !bytes.Equal(prev.value, n.value):
		return emit(domains.ActionUpdate, s)
	}
	return nil
}

// follow watches from the revision after rev and reports every event,
// until the watch is compacted (nil: read again) or fails.
func (w *watchRun) follow(ctx context.Context, prefix string, rev int64) error {
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	lost := w.r.connectionLost(wctx)
	wch := w.r.cli.Watch(wctx, prefix, clientv3.WithPrefix(), clientv3.WithRev(rev+1))
	for {
		select {
		case resp, ok := <-wch:
			if !ok {
				return w.r.unavailableErr(ctx, "watching "+prefix, errors.New("watch channel closed"))
			}
			if resp.CompactRevision != 0 {
				return nil
			}
			if err := resp.Err(); err != nil {
				return w.r.unavailableErr(ctx, "watching "+prefix, err)
			}
			for _, ev := range resp.Events { // all of them: go-micro returns the first only
				var n seenNode
				if ev.Type == clientv3.EventTypePut {
					if s := w.node(string(ev.Kv.Key), ev.Kv.Value); s != nil {
						n = seenNode{s, ev.Kv.Value}
					}
				}
				if err := w.set(string(ev.Kv.Key), n); err != nil {
					return err
				}
			}
		case err := <-lost:
			return w.r.unavailableErr(ctx, "watching "+prefix, err)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// connectionLost reports an error once the client's connection has not
// been ready for Config.Unavailable; the watch itself would wait for etcd
// forever. It stops when ctx ends.
func (r *Registry) connectionLost(ctx context.Context) <-chan error {
	out := make(chan error, 1)
	conn := r.cli.ActiveConnection()
	if conn == nil {
		return out
	}
	r.spawn(func() {
		for {
			s := conn.GetState()
			if s == connectivity.Ready || s == connectivity.Idle {
				if !conn.WaitForStateChange(ctx, s) {
					return
				}
				continue
			}
			// Connecting or failing: give it Config.Unavailable to recover.
			tctx, cancel := context.WithTimeout(ctx, r.unavailable)
			for s != connectivity.Ready && conn.WaitForStateChange(tctx, s) {
				s = conn.GetState()
			}
			expired := tctx.Err() != nil && ctx.Err() == nil
			cancel()
			if ctx.Err() != nil {
				return
			}
			if expired && s != connectivity.Ready {
				out <- fmt.Errorf("no connection to etcd for %v (%v)", r.unavailable, s)
				return
			}
		}
	})
	return out
}
