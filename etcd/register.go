package etcd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// regKey identifies a registered node: etcd keys are case-sensitive, so
// ids are compared exactly.
type regKey struct{ name, id string }

// registration is one node this Registry keeps in etcd: one key, whatever
// domains it was registered in (their list is its domain metadata), its
// value that of the latest registration.
type registration struct {
	key      string
	origins  []string // registration order
	byOrigin map[string]originReg
	ttl      int64            // lease TTL in seconds, of the latest registration
	value    []byte           // as last written
	lease    clientv3.LeaseID // the lease of the last write
}

type originReg struct {
	svc *domains.Service // a private copy holding only this node
	seq uint64
}

// latest is the registration the value describes.
func (g *registration) latest() *domains.Service {
	var best originReg
	for _, o := range g.byOrigin {
		if best.svc == nil || o.seq > best.seq {
			best = o
		}
	}
	return best.svc
}

// with returns a copy of g (or a new registration) with svc registered
// in dom.
func (g *registration) with(key, dom string, svc *domains.Service, seq uint64, ttl int64) *registration {
	n := &registration{key: key, byOrigin: map[string]originReg{}, ttl: ttl}
	if g != nil {
		n.origins = slices.Clone(g.origins)
		for k, v := range g.byOrigin {
			n.byOrigin[k] = v
		}
		n.value, n.lease = g.value, g.lease
	}
	if !slices.Contains(n.origins, dom) {
		n.origins = append(n.origins, dom)
	}
	n.byOrigin[dom] = originReg{svc: svc, seq: seq}
	return n
}

// without returns a copy of g without dom.
func (g *registration) without(dom string) *registration {
	n := &registration{key: g.key, byOrigin: map[string]originReg{}, ttl: g.ttl, value: g.value, lease: g.lease}
	n.origins = slices.DeleteFunc(slices.Clone(g.origins), func(d string) bool { return d == dom })
	for k, v := range g.byOrigin {
		if k != dom {
			n.byOrigin[k] = v
		}
	}
	return n
}

func (g *registration) encode() ([]byte, error) {
	s := g.latest()
	return encode(s, s.Nodes[0], g.origins)
}

// Register writes every node of svc into etcd, in domain ("": the
// registry's default), under a lease of the
// registration TTL (Config.TTL, or domains.WithTTL's) kept alive until
// the node is deregistered or the Registry closes. A node registered
// again is written only if its value changed — its service's version,
// metadata or endpoints as well as the node — and otherwise costs
// nothing. svc is never changed.
//
// Nodes that succeed stay registered even if another fails; the error
// joins the failures (ErrUnavailable when etcd cannot be reached,
// domains.ErrInvalidService).
func (r *Registry) Register(ctx context.Context, domain string, svc *domains.Service, opts ...domains.RegisterOption) error {
	ttl := domains.ApplyRegisterOptions(opts...)
	dom, err := r.domainOf(domain)
	if err != nil {
		return err
	}
	if ttl == 0 {
		ttl = r.ttl
	}
	if ttl < time.Second {
		return invalid("TTL %v: must be zero (the default) or at least 1s", ttl)
	}
	secs := int64((ttl + time.Second - 1) / time.Second)
	if err := r.validate(svc); err != nil {
		return err
	}
	svc = svc.Clone()

	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.isClosed() {
		return domains.ErrClosed
	}
	l, err := r.leaseFor(ctx, secs)
	if err != nil {
		return r.unavailableErr(ctx, "granting a lease", err)
	}
	var errs []error
	for _, n := range svc.Nodes {
		one := &domains.Service{Name: svc.Name, Version: svc.Version, Metadata: svc.Metadata, Endpoints: svc.Endpoints, Nodes: []*domains.Node{n}}
		k := regKey{svc.Name, n.Id}
		r.seq++
		next := r.regs[k].with(r.nodeKey(svc.Name, n.Id), dom, one, r.seq, secs)
		if err := r.write(ctx, next, l); err != nil {
			errs = append(errs, fmt.Errorf("registering %q: %w", n.Id, err))
			continue
		}
		r.regs[k] = next
	}
	return errors.Join(errs...)
}

// write puts g's value under lease l unless etcd already holds exactly
// that; it records the write in g. wmu is held.
func (r *Registry) write(ctx context.Context, g *registration, l *lease) error {
	value, err := g.encode()
	if err != nil {
		return invalid("%v", err)
	}
	if bytes.Equal(value, g.value) && g.lease == l.id {
		r.stats.unchanged.Add(1)
		return nil
	}
	wctx, cancel := r.withTimeout(ctx)
	defer cancel()
	if _, err := r.cli.Put(wctx, g.key, string(value), clientv3.WithLease(l.id)); err != nil {
		return r.unavailableErr(ctx, "writing "+g.key, err)
	}
	r.stats.puts.Add(1)
	g.value, g.lease = value, l.id
	return nil
}

// Deregister removes the nodes of svc (matched by id) from a domain (""
// the default): a node registered in no other domain is deleted from
// etcd at once, otherwise its domain metadata is updated. Unknown nodes
// are ignored. A node whose delete failed stays registered: call
// Deregister again (Close withdraws everything).
func (r *Registry) Deregister(ctx context.Context, domain string, svc *domains.Service) error {
	dom, err := r.domainOf(domain)
	if err != nil {
		return err
	}
	if svc == nil {
		return invalid("nil service")
	}
	r.wmu.Lock()
	defer r.wmu.Unlock()
	if r.isClosed() {
		return domains.ErrClosed
	}
	var errs []error
	for _, n := range svc.Nodes {
		if n == nil {
			continue
		}
		k := regKey{svc.Name, n.Id}
		g := r.regs[k]
		if g == nil || !slices.Contains(g.origins, dom) {
			continue
		}
		next := g.without(dom)
		if len(next.origins) == 0 {
			dctx, cancel := r.withTimeout(ctx)
			_, err := r.cli.Delete(dctx, g.key)
			cancel()
			if err != nil {
				errs = append(errs, fmt.Errorf("deregistering %q: %w", n.Id, r.unavailableErr(ctx, "deleting "+g.key, err)))
				continue
			}
			r.stats.deletes.Add(1)
			delete(r.regs, k)
			continue
		}
		l, err := r.leaseFor(ctx, next.ttl)
		if err == nil {
			err = r.write(ctx, next, l)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("deregistering %q from %s: %w", n.Id, dom, err))
			continue
		}
		r.regs[k] = next
	}
	return errors.Join(errs...)
}

// validate checks a service before anything is written.
func (r *Registry) validate(svc *domains.Service) error {
	switch {
	case svc == nil:
		return invalid("nil service")
	case !validSegment(escape(svc.Name)):
		return invalid("service name %q", svc.Name)
	case len(svc.Nodes) == 0:
		return invalid("service %q has no nodes", svc.Name)
	}
	seen := map[string]bool{}
	for i, n := range svc.Nodes {
		if n == nil {
			return invalid("service %q: node %d is nil", svc.Name, i)
		}
		if !validSegment(escape(n.Id)) {
			return invalid("service %q: node id %q", svc.Name, n.Id)
		}
		if seen[n.Id] {
			return invalid("service %q: node id %q appears twice", svc.Name, n.Id)
		}
		seen[n.Id] = true
		if _, _, err := net.SplitHostPort(n.Address); err != nil {
			return invalid("node %q: address %q: %v", n.Id, n.Address, err)
		}
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", domains.ErrInvalidService, fmt.Sprintf(format, args...))
}
