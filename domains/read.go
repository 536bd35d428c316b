package domains

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
)

// GetService returns the service name as the domain ("": the default)
// sees it: one Service per version, each with all its nodes from every
// host. The first read of a service in a domain starts a continuous browse
// and waits for it to settle (at least 0.5 s, 1.25 s while nothing has
// answered, then until no answer for 0.3 s, at most 1.5 s); later reads
// answer from the cache at once and
// stay current. In the global domain every node is marked with its origin
// domain (Node.Domain). The result is the caller's to modify.
func (r *Registry) GetService(ctx context.Context, domain, name string) ([]*Service, error) {
	if err := r.validateName(name); err != nil {
		return nil, err
	}
	v, err := r.view(domain)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	b := v.ensureBrowse(r.mdnsType(name))
	v.mu.Unlock()
	if b == nil {
		return nil, r.closedOr(fmt.Errorf("%w: %d in %s", ErrTooManyTypes, maxTypes, v.domain))
	}
	if err := v.waitSettled(ctx, func() []*browse { return []*browse{b} }); err != nil {
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

// ListServices returns every service of the domain ("": the default), with
// their nodes, sorted by name and version. The first call browses the
// domain's service types (DNS-SD: _services._dns-sd._udp, RFC 6763 §9;
// Micro: go-micro's _services list) and every type found, and waits for
// them to settle as GetService does. Only registry nodes are listed:
// DNS-SD services without a registry payload (printers, ...) are not.
func (r *Registry) ListServices(ctx context.Context, domain string) ([]*Service, error) {
	v, err := r.view(domain)
	if err != nil {
		return nil, err
	}
	v.mu.Lock()
	v.ensureAll()
	v.mu.Unlock()
	if err := v.waitSettled(ctx, func() []*browse { return slices.Collect(maps.Values(v.browses)) }); err != nil {
		return nil, err
	}
	v.mu.Lock()
	out := v.services("")
	v.mu.Unlock()
	sortServices(out)
	return out, nil
}

// sortServices sorts services by name and version, as ListServices
// returns them.
func sortServices(out []*Service) {
	slices.SortStableFunc(out, func(a, b *Service) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
}

func (r *Registry) closedOr(err error) error {
	if r.isClosed() {
		return ErrClosed
	}
	return err
}
