package domains

import (
	"maps"
	"slices"

	"github.com/mdnskit/mdnskit/txt"
)

// Endpoint and Value are go-micro's endpoint model, shared with package txt
// so that a Service's endpoints go on the wire as they are.
type (
	Endpoint = txt.Endpoint
	Value    = txt.Value
)

// A Service is go-micro's registry model: a named, versioned service with
// its endpoints and the nodes (instances) that serve it.
//
// Metadata is the service's own metadata. Neither go-micro's mDNS registry
// nor this one puts it on the wire (every node carries its own metadata),
// so services read back from the network have nil Metadata.
type Service struct {
	Name      string
	Version   string
	Metadata  map[string]string
	Endpoints []*Endpoint
	Nodes     []*Node
}

// A Node is one instance of a service.
type Node struct {
	// Id names the node; it is the DNS-SD instance name, so at most 63
	// bytes (see NewNodeID).
	Id string
	// Address is "host:port", an IPv6 host in brackets
	// ("[fe80::1%eth0]:8080"). On registration only the port is used: the
	// addresses published are the host's own, per interface (RFC 6762
	// §6.2). On reads the host is the node's preferred address (IPv4, then
	// routable IPv6, then link-local).
	Address string
	// Metadata is the node's metadata, carried in its TXT record.
	Metadata map[string]string
	// Domain is the domain the node was registered in, set on reads: the
	// domain read, or for nodes read from the global domain the origin
	// domain of the mirror (several, comma-separated, when one registry
	// registered the same node in several domains). Ignored on Register.
	Domain string
}

// Watch actions, as go-micro names them.
const (
	ActionCreate = "create" // a node appeared
	ActionUpdate = "update" // a node's address, metadata or endpoints changed
	ActionDelete = "delete" // a node left (goodbye), expired or stopped answering
)

// A Result is one change seen by Watch: Service holds the service's name,
// version and endpoints and exactly one node, the one that changed.
type Result struct {
	Action  string
	Service *Service
}

// clone returns a deep copy of s, so that neither the caller nor the
// registry can change what the other holds.
func (s *Service) clone() *Service {
	if s == nil {
		return nil
	}
	c := &Service{Name: s.Name, Version: s.Version, Metadata: maps.Clone(s.Metadata)}
	c.Endpoints = cloneEndpoints(s.Endpoints)
	if s.Nodes != nil {
		c.Nodes = make([]*Node, 0, len(s.Nodes))
		for _, n := range s.Nodes {
			c.Nodes = append(c.Nodes, n.clone())
		}
	}
	return c
}

func (n *Node) clone() *Node {
	if n == nil {
		return nil
	}
	c := *n
	c.Metadata = maps.Clone(n.Metadata)
	return &c
}

func cloneEndpoints(eps []*Endpoint) []*Endpoint {
	if eps == nil {
		return nil
	}
	out := make([]*Endpoint, 0, len(eps))
	for _, e := range eps {
		if e == nil {
			out = append(out, nil)
			continue
		}
		out = append(out, &Endpoint{
			Name:     e.Name,
			Request:  cloneValue(e.Request, 0),
			Response: cloneValue(e.Response, 0),
			Metadata: maps.Clone(e.Metadata),
		})
	}
	return out
}

// cloneValue copies a value tree; depth bounds recursion on a cyclic tree
// built by mistake (the encoders refuse trees deeper than txt.MaxValueDepth).
func cloneValue(v *Value, depth int) *Value {
	if v == nil || depth > txt.MaxValueDepth+1 {
		return nil
	}
	c := &Value{Name: v.Name, Type: v.Type}
	if v.Values != nil {
		c.Values = make([]*Value, 0, len(v.Values))
		for _, x := range v.Values {
			c.Values = append(c.Values, cloneValue(x, depth+1))
		}
	}
	return c
}

func equalEndpoints(a, b []*Endpoint) bool {
	return slices.EqualFunc(a, b, func(x, y *Endpoint) bool {
		if x == nil || y == nil {
			return x == y
		}
		return x.Name == y.Name && maps.Equal(x.Metadata, y.Metadata) &&
			(x.Metadata == nil) == (y.Metadata == nil) &&
			equalValue(x.Request, y.Request, 0) && equalValue(x.Response, y.Response, 0)
	})
}

func equalValue(a, b *Value, depth int) bool {
	if a == nil || b == nil || depth > txt.MaxValueDepth+1 {
		return a == b
	}
	return a.Name == b.Name && a.Type == b.Type &&
		slices.EqualFunc(a.Values, b.Values, func(x, y *Value) bool { return equalValue(x, y, depth+1) })
}
