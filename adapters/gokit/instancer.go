package gokit

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/util/conn"
	"github.com/go-kit/log"
	"github.com/mdnskit/mdnskit/domains"
)

// firstBackoff is the wait before the first retry of a failed watch;
// conn.Exponential doubles it, jittered, up to a minute (go-kit's Consul
// instancer does the same).
const firstBackoff = 10 * time.Millisecond

// errWatchEnded reports a Watch that returned without an error.
var errWatchEnded = errors.New("watch ended")

// Instancer is an sd.Instancer for one service: it follows the registry's
// Watch and tells its subscribers the service's instances, "host:port".
type Instancer struct {
	reg     Registry
	service string
	o       options
	logger  log.Logger

	cancel   context.CancelFunc
	done     chan struct{} // closed when run (and the watch it runs) returned
	stopOnce sync.Once

	mu      sync.Mutex
	nodes   map[nodeKey]string // each node's instance
	touched map[nodeKey]bool   // nodes the current watch has reported
	state   sd.Event           // the latest event, instances sorted
	good    []string           // the latest instances published without error
	hasGood bool
	subs    map[chan<- sd.Event]*subscriber
	stopped bool
}

// nodeKey identifies a node: go-micro's model keys services by name and
// version, and node ids compare ignoring case (RFC 6762 §16).
type nodeKey struct{ version, id string }

var _ sd.Instancer = (*Instancer)(nil)

// NewInstancer starts following service in reg and returns once it has
// the service's current instances (or the registry failed, or Timeout
// passed), as go-kit's Consul instancer returns with its first answer.
// Options: Domain, Timeout.
func NewInstancer(reg Registry, logger log.Logger, service string, opts ...Option) *Instancer {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	o := newOptions(opts)
	logger = log.With(logger, "service", service)
	if o.domain != "" {
		logger = log.With(logger, "domain", o.domain)
	}
	ctx, cancel := context.WithCancel(context.Background())
	i := &Instancer{
		reg: reg, service: service, o: o,
		logger: logger,
		cancel: cancel, done: make(chan struct{}),
		nodes: map[nodeKey]string{}, subs: map[chan<- sd.Event]*subscriber{},
	}
	ready := make(chan struct{})
	go i.run(ctx, sync.OnceFunc(func() { close(ready) }))
	<-ready
	return i
}

// run watches until Stop, retrying failed watches with backoff; ready is
// called once the first attempt has an outcome.
func (i *Instancer) run(ctx context.Context, ready func()) {
	defer close(i.done)
	defer ready()
	backoff := firstBackoff
	for {
		synced, err := i.follow(ctx, ready)
		if ctx.Err() != nil {
			return
		}
		if synced {
			backoff = firstBackoff // the outage starts now
		}
		i.fail(err)
		ready()
		if errors.Is(err, domains.ErrInvalidService) {
			return // the same call would fail the same way
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = conn.Exponential(backoff)
	}
}

// follow runs one Watch until it fails. Beside it, a GetService gives the
// complete view at one moment: nodes known before that the watch has not
// reported and the view lacks have left (during an outage, or before the
// first watch), so they go. synced reports that the view was applied.
func (i *Instancer) follow(ctx context.Context, ready func()) (synced bool, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	i.mu.Lock()
	i.touched = map[nodeKey]bool{}
	i.mu.Unlock()
	watched := make(chan error, 1)
	go func() { watched <- i.reg.Watch(ctx, i.o.domain, i.service, i.apply) }()

	rctx, rcancel := context.WithTimeout(ctx, i.o.timeout)
	svcs, err := i.reg.GetService(rctx, i.o.domain, i.service)
	rcancel()
	if err != nil && !errors.Is(err, domains.ErrNotFound) {
		cancel()
		<-watched
		return false, fmt.Errorf("gokit: reading %s: %w", i.service, err)
	}
	i.resync(svcs)
	ready()
	err = <-watched
	if err == nil {
		err = errWatchEnded
	}
	return true, fmt.Errorf("gokit: watching %s: %w", i.service, err)
}

// apply is the Watch callback: one node created, updated or deleted.
func (i *Instancer) apply(res domains.Result) error {
	if res.Service == nil || len(res.Service.Nodes) == 0 {
		return nil
	}
	n := res.Service.Nodes[0]
	k := nodeKey{res.Service.Version, strings.ToLower(n.Id)}
	i.mu.Lock()
	defer i.mu.Unlock()
	i.touched[k] = true
	inst, ok := instance(n.Address)
	if res.Action == domains.ActionDelete || !ok {
		delete(i.nodes, k)
	} else {
		i.nodes[k] = inst
	}
	i.publishLocked(sd.Event{Instances: i.instancesLocked()})
	return nil
}

// resync applies a complete view, svcs, for the nodes the current watch
// has not reported yet.
func (i *Instancer) resync(svcs []*domains.Service) {
	view := map[nodeKey]string{}
	for _, s := range svcs {
		for _, n := range s.Nodes {
			if inst, ok := instance(n.Address); ok {
				view[nodeKey{s.Version, strings.ToLower(n.Id)}] = inst
			}
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	for k := range i.nodes {
		if _, ok := view[k]; !ok && !i.touched[k] {
			delete(i.nodes, k)
		}
	}
	for k, inst := range view {
		if !i.touched[k] {
			i.nodes[k] = inst
		}
	}
	i.publishLocked(sd.Event{Instances: i.instancesLocked()})
}

// fail tells the subscribers of an outage (once, until it ends). Those
// that register during it get the last known instances instead.
func (i *Instancer) fail(err error) {
	i.logger.Log("err", err)
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.state.Err == nil {
		i.publishLocked(sd.Event{Err: err})
	}
}

// instancesLocked is the sorted, deduplicated instance set.
func (i *Instancer) instancesLocked() []string {
	out := make([]string, 0, len(i.nodes))
	for _, inst := range i.nodes {
		out = append(out, inst)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// publishLocked makes ev the state and offers it to every subscriber,
// unless nothing changed.
func (i *Instancer) publishLocked(ev sd.Event) {
	if ev.Err == nil && i.state.Err == nil && i.hasGood && slices.Equal(ev.Instances, i.state.Instances) {
		return
	}
	// The outage ends with whichever comes first after it, the new
	// Watch's first report or the read beside it.
	if i.state.Err != nil && ev.Err == nil {
		i.logger.Log("msg", "registry answers again")
	}
	i.state = ev
	if ev.Err == nil {
		i.good, i.hasGood = ev.Instances, true
	}
	for _, s := range i.subs {
		s.offer(ev)
	}
}

// joinState is what a new subscriber gets: the state, or during an outage
// the last known instances.
func (i *Instancer) joinState() sd.Event {
	if i.state.Err != nil && i.hasGood {
		return sd.Event{Instances: i.good}
	}
	return i.state
}

// instance turns a node address into an instance: "host:port", an IPv6
// host in brackets.
func instance(addr string) (string, bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || host == "" || port == "" {
		return "", false
	}
	return net.JoinHostPort(host, port), true
}
