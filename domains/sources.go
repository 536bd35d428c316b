package domains

import (
	"context"
	"time"
)

// A Source is the read side of a registry: what the merged view
// ([Merged]) reads from each registry it merges. *Registry (mDNS) is one;
// the etcd registry of module github.com/mdnskit/mdnskit/etcd is another,
// and a *Merged is one too, so views nest.
//
// The merged view relies on Watch's contract as Registry.Watch states
// it: a create for every node known when Watch starts, then every change,
// each Result holding one node, until ctx ends or an error. A Watch that
// returns an error other than ctx's marks the source as failing: the view
// keeps its nodes, marked stale, and calls Watch again.
type Source interface {
	GetService(ctx context.Context, domain, name string) ([]*Service, error)
	ListServices(ctx context.Context, domain string) ([]*Service, error)
	Watch(ctx context.Context, domain, service string, fn func(Result) error) error
}

var (
	_ Source = (*Registry)(nil)
	_ Source = (*Merged)(nil)
)

// Node metadata keys written by a bridge (mdns-bridge) that mirrors a
// link's nodes into a registry past the link. The merged view names an
// entry's source after MetaSite ("etcd:berlin") and does not count
// differences in these keys, or in MetaDomain, as a disagreement between
// sources: they describe where a copy came from, not the node.
const (
	MetaSite = "mdnskit.site" // the site name of the bridge that wrote the node
	MetaLink = "mdnskit.link" // the link (interface) the bridge heard it on
)

// ApplyRegisterOptions returns what opts select: the TTL (0 for the
// default). Other implementations of the Registry method set (the etcd
// registry) read Register's options with it.
func ApplyRegisterOptions(opts ...RegisterOption) (ttl time.Duration) {
	var o registerOptions
	for _, opt := range opts {
		if opt != nil {
			opt(&o)
		}
	}
	return o.ttl
}
