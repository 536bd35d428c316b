package domains

import (
	"maps"
	"strings"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/txt"
)

// Metadata keys the registry itself writes into a node's TXT record.
const (
	// MetaDomain names the origin domain of a mirror in the global domain
	// (go-micro v3 used the same node metadata key). Reads of the global
	// domain move it into Node.Domain.
	MetaDomain = "domain"
	// MetaService carries the full service name in the DNS-SD flavour
	// when the service type cannot (see serviceLabel). Reads move it into
	// Service.Name.
	MetaService = "service"
)

// Micro flavour list entries, as go-micro publishes them: instance
// "<service>" of type "_services", port 9999, an empty TXT record.
const (
	microListType = "_services"
	microListPort = 9999
)

// mdnsType is the service type a service name is published under.
func (r *Registry) mdnsType(name string) string {
	if r.flavour == Micro {
		return name
	}
	return dnssdType(name)
}

// validateName checks a service name for the registry's flavour.
func (r *Registry) validateName(name string) error {
	if name == "" {
		return errInvalid("empty service name")
	}
	if r.flavour == Micro {
		return validateMicroName(name)
	}
	return nil
}

// encodeTXT returns the TXT record of node n of svc; origin is the origin
// domain written into a mirror in the global domain ("" for none).
func (r *Registry) encodeTXT(svc *Service, n *Node, origin string) ([][]byte, error) {
	meta := n.Metadata
	extra := map[string]string{}
	if origin != "" {
		extra[MetaDomain] = origin
	}
	if r.flavour == DNSSD {
		// The name rides along whenever the type cannot give it back, and
		// whenever the caller's own "service" key would be misread as it.
		if _, exact := serviceLabel(svc.Name); !exact || hasKey(meta, MetaService) {
			extra[MetaService] = svc.Name
		}
	}
	if len(extra) > 0 {
		meta = maps.Clone(meta)
		if meta == nil {
			meta = make(map[string]string, len(extra))
		}
		maps.Copy(meta, extra)
	}
	p := txt.Payload{Version: svc.Version, Metadata: meta, Endpoints: svc.Endpoints}
	if r.flavour == Micro {
		return txt.EncodeMicro(txt.Micro{Service: svc.Name, Payload: p})
	}
	return txt.EncodePayload(p)
}

// nodeInfo is what one instance on the wire says about its node.
type nodeInfo struct {
	name, version string
	endpoints     []*Endpoint
	node          Node
}

// decodeEntry reads a browsed instance of domain dom as a node. ok is
// false for instances that are not registry nodes (plain DNS-SD services,
// undecodable or mismatched TXT records, no address yet).
func (r *Registry) decodeEntry(dom string, e mdns.ServiceEntry) (ni nodeInfo, ok bool) {
	addr, ok := preferredAddr(e.Addrs)
	if !ok || e.Port == 0 {
		return nodeInfo{}, false
	}
	var p txt.Payload
	if r.flavour == Micro {
		m, err := txt.DecodeMicro(e.Text)
		// go-micro reads a node only under its own service's name.
		if err != nil || m.Service == "" || !strings.EqualFold(m.Service, e.Type) {
			return nodeInfo{}, false
		}
		ni.name, p = m.Service, m.Payload
	} else {
		var err error
		if p, err = txt.DecodePayload(e.Text); err != nil {
			return nodeInfo{}, false
		}
		ni.name = nameFromType(e.Type)
		if n, has := p.Metadata[MetaService]; has {
			ni.name = n
			delete(p.Metadata, MetaService)
		}
		if ni.name == "" || !strings.EqualFold(dnssdType(ni.name), e.Type) {
			return nodeInfo{}, false
		}
	}
	ni.version, ni.endpoints = p.Version, p.Endpoints
	ni.node = Node{Id: e.Instance, Address: joinAddr(addr, e.Port), Metadata: p.Metadata, Domain: dom}
	if dom == r.global {
		if d, has := p.Metadata[MetaDomain]; has {
			ni.node.Domain = d
			delete(p.Metadata, MetaDomain)
		}
	}
	return ni, true
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
