package domains

import (
	"context"
	"errors"
	"fmt"
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

// MicroListType is the service type of go-micro's list of services: an
// instance "<service>._services.<domain>." for every service with a node
// in the domain (docs/gomicro-wire.md, "Names"). BrowseMicroList reads it.
const MicroListType = "_services"

// microListPort is the port of a list entry, as go-micro publishes it
// (with an empty TXT record).
const microListPort = 9999

// BrowseMicroList calls fn for each service go-micro's list names in
// domain: with mdns.EventAdd when it appears, mdns.EventRemove when it
// goes, until ctx ends or fn fails. It is the list a Micro flavour
// Registry reads for ListServices. The names span labels
// ("go.micro.srv.greeter"), so the browse accepts dotted instances.
func BrowseMicroList(ctx context.Context, conn *mdns.Conn, domain string, fn func(kind mdns.EventKind, service string) error) error {
	q := mdns.BrowseQuery{Type: MicroListType, Domain: domain, DottedInstance: true}
	return conn.Browse(ctx, q, func(ev mdns.BrowseEvent) error { return fn(ev.Kind, ev.Entry.Instance) })
}

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

// DecodeEntry reads a browsed instance as a registry node, for a reader
// that does not know which flavour wrote it (mdns-browse): the DNSSD
// flavour when its TXT record is such a payload with a version or
// endpoints — printers and others publish txtvers=1 too (RFC 6763 §6.7),
// and a payload with neither says nothing a plain service would not —
// else the Micro flavour. The result is a Service with the node's name,
// version and endpoints and one Node: the instance name as its id, its
// preferred address (IPv4 first, as go-micro) and port, its metadata, and
// its domain — the instance's, or, for an instance in the global domain
// global, the origin its MetaDomain attribute names. A Registry reads its
// nodes by the same rules, knowing its flavour.
//
// The error wraps ErrNotNode for an instance that is not a registry node:
// a plain DNS-SD service, a TXT record neither flavour decodes, a service
// name that does not match the type, no address or port.
func DecodeEntry(e mdns.ServiceEntry, global string) (*Service, error) {
	dom, global := NormalizeDomain(e.Domain), NormalizeDomain(global)
	f := DNSSD
	if p, err := txt.DecodePayload(e.Text); errors.Is(err, txt.ErrNotPayload) {
		f = Micro
	} else if err == nil && p.Version == "" && p.Endpoints == nil {
		return nil, fmt.Errorf("%w: a DNS-SD payload without version or endpoints", ErrNotNode)
	}
	ni, err := decodeEntry(f, dom, global, e)
	if err != nil {
		return nil, err
	}
	return ni.service(), nil
}

// decodeEntry reads a browsed instance of domain dom as a node of flavour
// f; global is the global domain. Both domains are normalised. The error
// wraps ErrNotNode for instances that are not registry nodes (plain
// DNS-SD services, undecodable or mismatched TXT records, no address).
func decodeEntry(f Flavour, dom, global string, e mdns.ServiceEntry) (ni nodeInfo, err error) {
	addr, ok := preferredAddr(e.Addrs)
	if !ok || e.Port == 0 {
		return nodeInfo{}, fmt.Errorf("%w: no address or port", ErrNotNode)
	}
	var p txt.Payload
	if f == Micro {
		m, err := txt.DecodeMicro(e.Text)
		if err != nil {
			return nodeInfo{}, fmt.Errorf("%w: %w", ErrNotNode, err)
		}
		// go-micro reads a node only under its own service's name.
		if m.Service == "" || !strings.EqualFold(m.Service, e.Type) {
			return nodeInfo{}, fmt.Errorf("%w: service %q under type %q", ErrNotNode, m.Service, e.Type)
		}
		ni.name, p = m.Service, m.Payload
	} else {
		if p, err = txt.DecodePayload(e.Text); err != nil {
			return nodeInfo{}, fmt.Errorf("%w: %w", ErrNotNode, err)
		}
		ni.name = nameFromType(e.Type)
		if n, has := p.Metadata[MetaService]; has {
			ni.name = n
			delete(p.Metadata, MetaService)
		}
		if ni.name == "" || !strings.EqualFold(dnssdType(ni.name), e.Type) {
			return nodeInfo{}, fmt.Errorf("%w: service %q under type %q", ErrNotNode, ni.name, e.Type)
		}
	}
	ni.version, ni.endpoints = p.Version, p.Endpoints
	ni.node = Node{Id: e.Instance, Address: joinAddr(addr, e.Port), Metadata: p.Metadata, Domain: dom}
	if dom == global {
		if d, has := p.Metadata[MetaDomain]; has {
			ni.node.Domain = d
			delete(p.Metadata, MetaDomain)
		}
	}
	return ni, nil
}

func hasKey(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}
