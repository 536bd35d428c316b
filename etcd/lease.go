package etcd

import (
	"context"
	"errors"
	"fmt"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// repairBackoffMax caps the wait between attempts to register again after
// a lost lease, so nodes are back within a second of etcd's return.
const repairBackoffMax = time.Second

// lease is the lease shared by the registrations of one TTL, kept alive
// on the client's one keepalive stream.
type lease struct {
	ttl    int64 // seconds
	id     clientv3.LeaseID
	ctx    context.Context // cancelled by stop or Close
	cancel context.CancelFunc
}

func (l *lease) stop() { l.cancel() }

// leaseFor returns the lease of a TTL, granting it (and starting its
// keepalive) if there is none; wmu is held.
func (r *Registry) leaseFor(ctx context.Context, ttl int64) (*lease, error) {
	if l := r.leases[ttl]; l != nil {
		return l, nil
	}
	gctx, cancel := r.withTimeout(ctx)
	defer cancel()
	resp, err := r.cli.Grant(gctx, ttl)
	if err != nil {
		return nil, err
	}
	r.stats.grants.Add(1)
	l := &lease{ttl: ttl, id: resp.ID}
	l.ctx, l.cancel = context.WithCancel(r.ctx)
	r.leases[ttl] = l
	r.spawn(func() { r.keepAlive(l) }) // refused only once Close began; it revokes l
	return l, nil
}

// keepAlive keeps l alive until it is stopped; a lease that is lost —
// the stream closes (the lease expired, was revoked, or the client gave
// up waiting) or etcd answers with TTL ≤ 0 — is replaced and every node
// on it written again.
func (r *Registry) keepAlive(l *lease) {
	kctx, cancel := context.WithCancel(l.ctx)
	ch, err := r.cli.KeepAlive(kctx, l.id)
	if err == nil {
		for resp := range ch {
			if resp == nil || resp.TTL <= 0 {
				break
			}
		}
	}
	cancel()
	if l.ctx.Err() != nil {
		return // stopped on purpose
	}
	defer l.stop()
	r.stats.leasesLost.Add(1)
	r.log("etcd: lease %x (TTL %ds) lost; registering its nodes again", int64(l.id), l.ttl)
	backoff := 100 * time.Millisecond
	for {
		err := r.replace(l)
		if err == nil || l.ctx.Err() != nil {
			return
		}
		r.log("etcd: registering again after a lost lease: %v", err)
		t := time.NewTimer(backoff)
		select {
		case <-l.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(2*backoff, repairBackoffMax)
	}
}

// replace grants a new lease for the TTL of the lost lease old and writes
// every node of that TTL under it.
func (r *Registry) replace(old *lease) error {
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.isClosed() {
		return nil
	}
	if r.leases[old.ttl] == old {
		delete(r.leases, old.ttl)
	}
	l, err := r.leaseFor(r.ctx, old.ttl)
	if err != nil {
		return fmt.Errorf("%w: granting a lease: %w", ErrUnavailable, err)
	}
	var errs []error
	for _, g := range r.regs {
		if g.ttl != old.ttl || g.lease == l.id {
			continue
		}
		if err := r.write(r.ctx, g, l); err != nil {
			errs = append(errs, err)
			continue
		}
		r.stats.rewrites.Add(1)
	}
	return errors.Join(errs...)
}
