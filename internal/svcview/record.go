// Package svcview turns browse events into what the commands print: the
// JSON record of mdns-browse --json (README.md has the schema), the
// aligned tables, and avahi-browse's parsable lines. mdns-browse and
// mdns-resolve print instances the same way through it.
package svcview

import (
	"strings"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/txt"
)

// Record is one line of --json output; the field order is the schema's
// (README.md). Registry nodes add the registry fields.
type Record struct {
	Event     string             `json:"event"`
	Instance  string             `json:"instance"` // raw UTF-8, unescaped
	Service   string             `json:"service"`  // "_http._tcp", no domain
	Domain    string             `json:"domain"`   // no trailing dot
	Host      string             `json:"host"`     // no trailing dot
	Port      uint16             `json:"port"`
	Priority  uint16             `json:"priority,omitempty"` // SRV priority and weight (RFC 2782), when set
	Weight    uint16             `json:"weight,omitempty"`
	Addrs     []string           `json:"addrs"` // IPv4 then IPv6, link-local with %zone
	TXT       map[string]*string `json:"txt"`   // k=v → "v", k= → "", bare k → null
	Interface string             `json:"interface"`
	Subtype   string             `json:"subtype,omitempty"`
	*Registry                    // nil for plain DNS-SD services
	// Origin is the domain a registration was made in: for a mirror in
	// the global domain, its domain attribute ("dev", or "dev,prod" for
	// one registered in both); for other registry nodes the domain it was
	// seen in. Plain services outside the global domain have none.
	Origin string `json:"origin,omitempty"`
}

// Registry holds what a registry node (package domains, or go-micro)
// carries in its TXT record.
type Registry struct {
	Name      string            `json:"name"` // the registry's service name
	Version   string            `json:"version"`
	Endpoints []*txt.Endpoint   `json:"endpoints"`
	Metadata  map[string]string `json:"metadata"`
}

// View is a browse event as the printers see it.
type View struct {
	Kind  mdns.EventKind
	Entry mdns.ServiceEntry
	Attrs txt.Attrs // the TXT record decoded
	Rec   Record
}

// Key identifies an instance across events.
func (v *View) Key() string {
	e := v.Entry
	return strings.ToLower(e.Domain + "\x00" + e.Type + "\x00" + e.Subtype + "\x00" + e.Instance)
}

// NewView reads a browse event; global is the global domain, where a
// domain attribute names a mirror's origin.
func NewView(ev mdns.BrowseEvent, global string) *View {
	e := ev.Entry
	v := &View{Kind: ev.Kind, Entry: e, Attrs: txt.Decode(e.Text)}
	v.Rec = Record{
		Event:     ev.Kind.String(),
		Instance:  e.Instance,
		Service:   e.Type,
		Domain:    e.Domain,
		Host:      e.Host,
		Port:      e.Port,
		Addrs:     make([]string, 0, len(e.Addrs)),
		TXT:       make(map[string]*string, len(v.Attrs)),
		Interface: strings.Join(e.Ifaces, ","),
		Subtype:   e.Subtype,
		Priority:  e.Priority,
		Weight:    e.Weight,
	}
	v.Rec.Registry, v.Rec.Origin = decodeRegistry(e, global)
	if v.Rec.Registry == nil && strings.EqualFold(e.Domain, global) {
		// A plain service's mirror (package domains, Publish).
		if d, ok := v.Attrs.Get(domains.MetaDomain); ok && len(d) > 0 {
			v.Rec.Origin = string(d)
		}
	}
	for _, a := range e.Addrs {
		v.Rec.Addrs = append(v.Rec.Addrs, a.String())
	}
	// RFC 6763 §6.4: txt.Decode keeps the first occurrence of a key.
	for _, a := range v.Attrs {
		if a.Value == nil {
			v.Rec.TXT[a.Key] = nil
			continue
		}
		s := string(a.Value)
		v.Rec.TXT[a.Key] = &s
	}
	return v
}

// decodeRegistry reads a registry node's fields and its origin domain
// from an instance, by domains' rules (domains.DecodeEntry); plain DNS-SD
// services give nil.
func decodeRegistry(e mdns.ServiceEntry, global string) (*Registry, string) {
	s, err := domains.DecodeEntry(e, global)
	if err != nil {
		return nil, ""
	}
	n := s.Nodes[0]
	return &Registry{Name: s.Name, Version: s.Version, Endpoints: s.Endpoints, Metadata: n.Metadata}, n.Domain
}
