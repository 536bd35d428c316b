package gomicro5

import (
	"errors"

	"github.com/mdnskit/mdnskit/domains"
	"go-micro.dev/v5/registry"
)

// Register publishes the nodes of s in the call's domain (see InDomain)
// and returns once their names are established on the link, about a
// second (RFC 6762 §8.1). Registering a node again updates it in place:
// readers get an "update". registry.RegisterTTL sets the record TTL.
func (r *Registry) Register(s *registry.Service, opts ...registry.RegisterOption) error {
	var o registry.RegisterOptions
	for _, opt := range opts {
		opt(&o)
	}
	if s == nil {
		return errNilService
	}
	c, err := r.begin(o.Context, true)
	if err != nil {
		return err
	}
	defer c.cancel()
	var ropts []domains.RegisterOption
	if o.TTL > 0 {
		ropts = append(ropts, domains.WithTTL(ttl(o.TTL)))
	}
	return c.reg.Register(c.ctx, c.domain, toDomains(s, c.flavour), ropts...)
}

// Deregister withdraws the nodes of s (matched by id) from the call's
// domain, with goodbyes (RFC 6762 §10.1): watchers everywhere get a
// "delete" within about a second.
func (r *Registry) Deregister(s *registry.Service, opts ...registry.DeregisterOption) error {
	var o registry.DeregisterOptions
	for _, opt := range opts {
		opt(&o)
	}
	if s == nil {
		return errNilService
	}
	if !r.opened() {
		return nil // nothing was registered
	}
	c, err := r.begin(o.Context, true)
	if err != nil {
		return err
	}
	defer c.cancel()
	return c.reg.Deregister(c.ctx, c.domain, toDomains(s, c.flavour))
}

// GetService returns the service's versions with their nodes, from every
// host on the link; registry.ErrNotFound when it has none.
func (r *Registry) GetService(name string, opts ...registry.GetOption) ([]*registry.Service, error) {
	var o registry.GetOptions
	for _, opt := range opts {
		opt(&o)
	}
	c, err := r.begin(o.Context, true)
	if err != nil {
		return nil, err
	}
	defer c.cancel()
	svcs, err := c.reg.GetService(c.ctx, c.domain, name)
	if errors.Is(err, domains.ErrNotFound) {
		return nil, registry.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return fromDomainsAll(svcs, c.read), nil
}

// ListServices returns every service of the call's domain with its nodes
// (go-micro's stock registry returns names only).
func (r *Registry) ListServices(opts ...registry.ListOption) ([]*registry.Service, error) {
	var o registry.ListOptions
	for _, opt := range opts {
		opt(&o)
	}
	c, err := r.begin(o.Context, true)
	if err != nil {
		return nil, err
	}
	defer c.cancel()
	svcs, err := c.reg.ListServices(c.ctx, c.domain)
	if err != nil {
		return nil, err
	}
	return fromDomainsAll(svcs, c.read), nil
}

// opened reports whether the registry was ever opened (or closed).
func (r *Registry) opened() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reg != nil || r.closed
}
