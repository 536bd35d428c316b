package etcd

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/mdnskit/mdnskit/domains"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// GetService returns the service name as etcd has it in a domain (""
// the default): one Service per version, each with its nodes, in key
// order; the endpoints and metadata of a version are those of its first
// node, as go-micro reads them. In the global domain every node is
// marked with its origin domains (Node.Domain, "dev" or "dev,prod").
// domains.ErrNotFound when no node of it is in the domain. Reads are
// serializable, as go-micro's: a follower may answer slightly behind.
func (r *Registry) GetService(ctx context.Context, domain, name string) ([]*domains.Service, error) {
	dom, err := r.domainOf(domain)
	if err != nil {
		return nil, err
	}
	if !validSegment(escape(name)) {
		return nil, invalid("service name %q", name)
	}
	kvs, _, err := r.read(ctx, r.servicePrefix(name), clientv3.WithSerializable())
	if err != nil {
		return nil, err
	}
	out := group(r.nodes(kvs, dom, name))
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: %q in %s", domains.ErrNotFound, name, dom)
	}
	return out, nil
}

// ListServices returns every service of a domain ("" the default) with
// its nodes, sorted by name and version.
func (r *Registry) ListServices(ctx context.Context, domain string) ([]*domains.Service, error) {
	dom, err := r.domainOf(domain)
	if err != nil {
		return nil, err
	}
	kvs, _, err := r.read(ctx, r.prefix, clientv3.WithSerializable())
	if err != nil {
		return nil, err
	}
	out := group(r.nodes(kvs, dom, ""))
	slices.SortStableFunc(out, func(a, b *domains.Service) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Version, b.Version)
	})
	return out, nil
}

// keyValue is one key read, with its value.
type keyValue struct {
	key   string
	value []byte
}

// read returns the keys under prefix and the revision read.
func (r *Registry) read(ctx context.Context, prefix string, opts ...clientv3.OpOption) ([]keyValue, int64, error) {
	if r.isClosed() {
		return nil, 0, domains.ErrClosed
	}
	rctx, cancel := r.withTimeout(ctx)
	defer cancel()
	resp, err := r.cli.Get(rctx, prefix, append([]clientv3.OpOption{clientv3.WithPrefix()}, opts...)...)
	if err != nil {
		return nil, 0, r.unavailableErr(ctx, "reading "+prefix, err)
	}
	out := make([]keyValue, 0, len(resp.Kvs))
	for _, kv := range resp.Kvs {
		out = append(out, keyValue{string(kv.Key), kv.Value})
	}
	return out, resp.Header.Revision, nil
}

// nodes decodes the keys read into one-node services of domain dom (and
// of service name, unless it is empty), counting what it skips.
func (r *Registry) nodes(kvs []keyValue, dom, name string) []*domains.Service {
	var out []*domains.Service
	for _, kv := range kvs {
		d, why := r.decode(kv.key, kv.value)
		if why != readOK {
			r.count(why)
			continue
		}
		if s := r.inDomain(d, dom); s != nil && (name == "" || s.Name == name) {
			out = append(out, s)
		}
	}
	return out
}

// group gathers one-node services into one Service per (name, version),
// in the order first seen.
func group(nodes []*domains.Service) []*domains.Service {
	type sv struct{ name, version string }
	byKey := map[sv]*domains.Service{}
	var out []*domains.Service
	for _, n := range nodes {
		k := sv{n.Name, n.Version}
		s := byKey[k]
		if s == nil {
			s = &domains.Service{Name: n.Name, Version: n.Version, Metadata: n.Metadata, Endpoints: n.Endpoints}
			byKey[k] = s
			out = append(out, s)
		}
		s.Nodes = append(s.Nodes, n.Nodes[0])
	}
	return out
}
