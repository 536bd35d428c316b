package gomicro5

import (
	"maps"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/txt"
	"go-micro.dev/v5/registry"
)

// toDomains is s in the domains model, node ids mapped by domains.FitNodeID. It
// shares s's maps: domains.Registry.Register copies what it keeps.
func toDomains(s *registry.Service, f domains.Flavour) *domains.Service {
	out := &domains.Service{Name: s.Name, Version: s.Version, Metadata: s.Metadata, Endpoints: endpointsToTxt(s.Endpoints)}
	for _, n := range s.Nodes {
		if n == nil {
			out.Nodes = append(out.Nodes, nil) // domains reports it
			continue
		}
		out.Nodes = append(out.Nodes, &domains.Node{Id: domains.FitNodeID(n.Id, f), Address: n.Address, Metadata: n.Metadata})
	}
	return out
}

// fromDomains is s in go-micro's model. A node read in domain read whose
// origin is another domain (a mirror in the global domain) carries that
// origin in Metadata["domain"], as go-micro v3 did.
func fromDomains(s *domains.Service, read string) *registry.Service {
	out := &registry.Service{Name: s.Name, Version: s.Version, Metadata: s.Metadata, Endpoints: endpointsFromTxt(s.Endpoints)}
	for _, n := range s.Nodes {
		md := n.Metadata
		if n.Domain != "" && n.Domain != read {
			if _, set := md[domains.MetaDomain]; !set {
				md = maps.Clone(md)
				if md == nil {
					md = map[string]string{}
				}
				md[domains.MetaDomain] = n.Domain
			}
		}
		out.Nodes = append(out.Nodes, &registry.Node{Id: n.Id, Address: n.Address, Metadata: md})
	}
	return out
}

func fromDomainsAll(svcs []*domains.Service, read string) []*registry.Service {
	out := make([]*registry.Service, 0, len(svcs))
	for _, s := range svcs {
		out = append(out, fromDomains(s, read))
	}
	return out
}

func endpointsToTxt(eps []*registry.Endpoint) []*txt.Endpoint {
	if eps == nil {
		return nil
	}
	out := make([]*txt.Endpoint, 0, len(eps))
	for _, e := range eps {
		if e == nil {
			out = append(out, nil)
			continue
		}
		out = append(out, &txt.Endpoint{Name: e.Name, Metadata: e.Metadata,
			Request: valueToTxt(e.Request, 0), Response: valueToTxt(e.Response, 0)})
	}
	return out
}

func endpointsFromTxt(eps []*txt.Endpoint) []*registry.Endpoint {
	if eps == nil {
		return nil
	}
	out := make([]*registry.Endpoint, 0, len(eps))
	for _, e := range eps {
		if e == nil {
			out = append(out, nil)
			continue
		}
		out = append(out, &registry.Endpoint{Name: e.Name, Metadata: e.Metadata,
			Request: valueFromTxt(e.Request, 0), Response: valueFromTxt(e.Response, 0)})
	}
	return out
}

// valueToTxt copies a value tree. depth stops a cyclic tree built by
// mistake; the encoders refuse trees deeper than txt.MaxValueDepth anyway.
func valueToTxt(v *registry.Value, depth int) *txt.Value {
	if v == nil || depth > txt.MaxValueDepth {
		return nil
	}
	out := &txt.Value{Name: v.Name, Type: v.Type}
	if v.Values != nil {
		out.Values = make([]*txt.Value, 0, len(v.Values))
		for _, x := range v.Values {
			out.Values = append(out.Values, valueToTxt(x, depth+1))
		}
	}
	return out
}

func valueFromTxt(v *txt.Value, depth int) *registry.Value {
	if v == nil || depth > txt.MaxValueDepth {
		return nil
	}
	out := &registry.Value{Name: v.Name, Type: v.Type}
	if v.Values != nil {
		out.Values = make([]*registry.Value, 0, len(v.Values))
		for _, x := range v.Values {
			out.Values = append(out.Values, valueFromTxt(x, depth+1))
		}
	}
	return out
}
