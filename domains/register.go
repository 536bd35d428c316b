package domains

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// regKey identifies a node registered by this Registry in one domain.
type regKey struct{ domain, name, id string }

// nodeReg is one registered node: its instance in its domain (nil when the
// domain is the global one, where the mirror is the instance) and what it
// was registered with, for re-encoding its mirror.
type nodeReg struct {
	svc  *Service // a private copy holding only this node
	ttl  time.Duration
	text [][]byte
	port uint16
	reg  *mdns.Registration
	seq  uint64 // registration order
}

// mirrorKey identifies a node's instance in the global domain. It has no
// domain: however many domains this Registry registers a node in, the
// global domain gets one instance for it, so that mirroring never
// conflicts with itself.
type mirrorKey struct{ name, id string }

// mirror is a node's instance in the global domain. Its TXT record is that
// of the node's latest registration, with MetaDomain listing every origin
// domain in registration order (none when the only origin is the global
// domain itself).
type mirror struct {
	origins []string
	text    [][]byte
	port    uint16
	reg     *mdns.Registration
}

// Register publishes every node of svc in domain ("": the registry's
// default), and mirrors it into the global domain when that
// domain is another one. It returns once each name is established on the
// link (probing takes about a second, RFC 6762 §8.1). Registering a node
// again updates its TXT record and port in place (no goodbye, no new
// probe); it never mutates svc.
//
// Nodes are registered in parallel; those that succeed stay registered
// even if another fails. The error joins the failures: ErrInvalidService,
// mdns.ErrNameConflict (another host owns the node id: ids are never
// renamed), txt.ErrTooLarge, ...
func (r *Registry) Register(ctx context.Context, domain string, svc *Service, opts ...RegisterOption) error {
	var o registerOptions
	for _, opt := range opts {
		opt(&o)
	}
	dom, err := r.domainOf(domain)
	if err != nil {
		return err
	}
	ttl := r.ttl
	if o.ttl != 0 {
		ttl = o.ttl
	}
	if ttl < 0 || (ttl > 0 && ttl < time.Second) {
		return errInvalid("TTL %v: must be zero (defaults) or at least 1s", ttl)
	}
	if svc == nil {
		return errInvalid("nil service")
	}
	if err := r.validateName(svc.Name); err != nil {
		return err
	}
	ops, err := r.planRegister(dom, svc.clone(), ttl)
	if err != nil {
		return err
	}

	started, err := r.registerLocked(ctx, ops)
	// Micro flavour: go-micro's ListServices must see the service once
	// Register returns, as with go-micro's own registry.
	waitSettled(ctx, started)
	return err
}

// registerLocked runs and commits ops under regMu and returns the list
// entry keepers that were started for them.
func (r *Registry) registerLocked(ctx context.Context, ops []*regOp) ([]*listKeeper, error) {
	r.regMu.Lock()
	defer r.regMu.Unlock()
	if r.isClosed() {
		return nil, ErrClosed
	}
	for _, op := range ops {
		op.prev = r.nodes[op.key]
		r.planMirror(op)
	}
	runAll(ops, func(op *regOp) { r.applyRegister(ctx, op) })
	var errs []error
	for _, op := range ops {
		errs = append(errs, r.commitRegister(op))
	}
	return r.reconcileLists(), errors.Join(errs...)
}

// regOp is the registration of one node, planned under regMu, run
// without touching shared state, committed under regMu.
type regOp struct {
	key  regKey
	svc  *Service
	ttl  time.Duration
	text [][]byte
	port uint16
	prev *nodeReg

	mkey    mirrorKey
	mprev   *mirror  // the existing mirror, if any
	origins []string // the mirror's origins after this registration
	mtext   [][]byte

	reg, mreg  *mdns.Registration // new registrations
	err, merr  error
	mirrorDone bool // the mirror was registered or updated
}

// planRegister validates the nodes and encodes their TXT records.
func (r *Registry) planRegister(dom string, svc *Service, ttl time.Duration) ([]*regOp, error) {
	if len(svc.Nodes) == 0 {
		return nil, errInvalid("service %q has no nodes", svc.Name)
	}
	seen := map[string]bool{}
	var ops []*regOp
	for i, n := range svc.Nodes {
		if n == nil {
			return nil, errInvalid("service %q: node %d is nil", svc.Name, i)
		}
		if err := ValidateNodeID(n.Id, r.flavour); err != nil {
			return nil, err
		}
		if seen[strings.ToLower(n.Id)] {
			return nil, errInvalid("service %q: node id %q appears twice", svc.Name, n.Id)
		}
		seen[strings.ToLower(n.Id)] = true
		port, err := nodePort(n.Address)
		if err != nil {
			return nil, err
		}
		one := &Service{Name: svc.Name, Version: svc.Version, Metadata: svc.Metadata, Endpoints: svc.Endpoints, Nodes: []*Node{n}}
		n.Domain = dom
		text, err := r.encodeTXT(one, n, "")
		if err != nil {
			return nil, fmt.Errorf("domains: node %q: %w", n.Id, err)
		}
		ops = append(ops, &regOp{
			key: regKey{dom, svc.Name, strings.ToLower(n.Id)}, svc: one, ttl: ttl, text: text, port: port,
			mkey: mirrorKey{svc.Name, strings.ToLower(n.Id)},
		})
	}
	return ops, nil
}

// planMirror works out the mirror's origins and TXT record after op.
func (r *Registry) planMirror(op *regOp) {
	op.mprev = r.mirrors[op.mkey]
	if op.mprev != nil {
		op.origins = slices.Clone(op.mprev.origins)
	}
	if !slices.Contains(op.origins, op.key.domain) {
		op.origins = append(op.origins, op.key.domain)
	}
	op.mtext, op.merr = r.mirrorText(op.svc, op.origins)
}

// mirrorText encodes a node's mirror: its TXT record plus the origins.
func (r *Registry) mirrorText(svc *Service, origins []string) ([][]byte, error) {
	origin := strings.Join(origins, ",")
	if len(origins) == 1 && origins[0] == r.global {
		origin = ""
	}
	return r.encodeTXT(svc, svc.Nodes[0], origin)
}

// applyRegister performs the mdns calls of op.
func (r *Registry) applyRegister(ctx context.Context, op *regOp) {
	n := op.svc.Nodes[0]
	if op.key.domain != r.global {
		switch {
		case op.prev == nil:
			op.reg, op.err = r.conn.Register(ctx, r.mdnsService(op.key.domain, op.svc.Name, n.Id, op.port, op.text, op.ttl))
		case !equalText(op.prev.text, op.text) || op.prev.port != op.port:
			op.err = op.prev.reg.Update(ctx, op.text, op.port)
		}
		if op.err != nil {
			return
		}
	}
	if op.origins == nil || op.merr != nil {
		return
	}
	switch {
	case op.mprev == nil:
		op.mreg, op.merr = r.conn.Register(ctx, r.mdnsService(r.global, op.svc.Name, n.Id, op.port, op.mtext, op.ttl))
	case !equalText(op.mprev.text, op.mtext) || op.mprev.port != op.port:
		op.merr = op.mprev.reg.Update(ctx, op.mtext, op.port)
	}
	op.mirrorDone = op.merr == nil
}

// commitRegister records the outcome of op; it runs under regMu.
func (r *Registry) commitRegister(op *regOp) error {
	if op.err != nil {
		return fmt.Errorf("domains: registering %q in %s: %w", op.svc.Nodes[0].Id, op.key.domain, op.err)
	}
	r.seq++
	nr := &nodeReg{svc: op.svc, ttl: op.ttl, text: op.text, port: op.port, seq: r.seq}
	if op.prev != nil {
		nr.reg = op.prev.reg
	} else {
		nr.reg = op.reg
	}
	r.nodes[op.key] = nr
	if op.mirrorDone {
		m := op.mprev
		if m == nil {
			m = &mirror{reg: op.mreg}
			r.mirrors[op.mkey] = m
		}
		m.origins, m.text, m.port = op.origins, op.mtext, op.port
	}
	if op.merr != nil {
		if op.key.domain == r.global { // the mirror is the registration
			delete(r.nodes, op.key)
		}
		return fmt.Errorf("domains: mirroring %q into %s: %w", op.svc.Nodes[0].Id, r.global, op.merr)
	}
	return nil
}

// mdnsService is the mdns.Service of a node instance.
func (r *Registry) mdnsService(dom, name, id string, port uint16, text [][]byte, ttl time.Duration) mdns.Service {
	return mdns.Service{
		Instance: id,
		Type:     r.mdnsType(name),
		Domain:   dom,
		Port:     port,
		Text:     text,
		TTL:      ttl,
		// A node id is an identity: a conflict means another host has it,
		// and "id (2)" would be a node nobody registered.
		NoRename: true,
		// go-micro reads one instance per message and chokes on EDNS0.
		OwnMessages: r.flavour == Micro,
	}
}

// Deregister withdraws the nodes of svc (matched by id) from a domain ("":
// the default) and from the global domain's mirror, with goodbyes
// (RFC 6762 §10.1). A node registered in several domains keeps its
// mirror, updated, until the last one is withdrawn. Unknown nodes are
// ignored.
func (r *Registry) Deregister(ctx context.Context, domain string, svc *Service) error {
	dom, err := r.domainOf(domain)
	if err != nil {
		return err
	}
	if svc == nil {
		return errInvalid("nil service")
	}
	r.regMu.Lock()
	defer r.regMu.Unlock()
	if r.isClosed() {
		return ErrClosed
	}
	var keys []regKey
	for _, n := range svc.Nodes {
		if n == nil {
			continue
		}
		k := regKey{dom, svc.Name, strings.ToLower(n.Id)}
		if r.nodes[k] != nil && !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	err = r.withdraw(ctx, keys)
	r.reconcileLists()
	return err
}

// withdraw deregisters the given nodes and updates or withdraws their
// mirrors, in parallel; it runs under regMu.
func (r *Registry) withdraw(ctx context.Context, keys []regKey) error {
	type wop struct {
		key      regKey
		nr       *nodeReg
		m        *mirror
		origins  []string
		text     [][]byte
		port     uint16
		err      error
		mirrorOK bool
	}
	var ops []*wop
	for _, k := range keys {
		op := &wop{key: k, nr: r.nodes[k], m: r.mirrors[mirrorKey{k.name, k.id}]}
		if op.m != nil {
			op.origins = slices.DeleteFunc(slices.Clone(op.m.origins), func(d string) bool { return d == k.domain })
			// The mirror now describes the latest remaining registration.
			var latest *nodeReg
			for _, d := range op.origins {
				if o := r.nodes[regKey{d, k.name, k.id}]; o != nil && (latest == nil || o.seq > latest.seq) {
					latest = o
				}
			}
			if latest != nil {
				op.port = latest.port
				op.text, op.err = r.mirrorText(latest.svc, op.origins)
			} else {
				op.origins = nil
			}
		}
		ops = append(ops, op)
	}
	runAll(ops, func(op *wop) {
		var errs []error
		if op.nr.reg != nil && op.key.domain != r.global {
			errs = append(errs, op.nr.reg.Deregister(ctx))
		}
		if op.m != nil && op.err == nil {
			if len(op.origins) == 0 {
				errs = append(errs, op.m.reg.Deregister(ctx))
			} else if !equalText(op.m.text, op.text) || op.m.port != op.port {
				errs = append(errs, op.m.reg.Update(ctx, op.text, op.port))
			}
			op.mirrorOK = true
		}
		op.err = errors.Join(append(errs, op.err)...)
	})
	var errs []error
	for _, op := range ops {
		delete(r.nodes, op.key)
		if op.m != nil && op.mirrorOK {
			if len(op.origins) == 0 {
				delete(r.mirrors, mirrorKey{op.key.name, op.key.id})
			} else {
				op.m.origins, op.m.text, op.m.port = op.origins, op.text, op.port
			}
		}
		if op.err != nil {
			errs = append(errs, fmt.Errorf("domains: deregistering %q from %s: %w", op.key.id, op.key.domain, op.err))
		}
	}
	return errors.Join(errs...)
}

// withdrawAll deregisters everything (Close); it runs under regMu.
func (r *Registry) withdrawAll(ctx context.Context) error {
	keys := make([]regKey, 0, len(r.nodes))
	for k := range r.nodes {
		keys = append(keys, k)
	}
	err := r.withdraw(ctx, keys)
	for k, m := range r.mirrors { // mirrors whose origins were lost on the way
		err = errors.Join(err, m.reg.Deregister(ctx))
		delete(r.mirrors, k)
	}
	r.reconcileLists()
	return err
}

// runAll runs fn on every op in parallel and waits.
func runAll[T any](ops []T, fn func(T)) {
	if len(ops) == 1 {
		fn(ops[0])
		return
	}
	var wg sync.WaitGroup
	for _, op := range ops {
		wg.Go(func() { fn(op) })
	}
	wg.Wait()
}

func equalText(a, b [][]byte) bool {
	return slices.EqualFunc(a, b, func(x, y []byte) bool { return string(x) == string(y) })
}
