package etcd

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/mdnskit/mdnskit/domains"
)

// MaxValueSize bounds the values read: a node's JSON with endpoints is a
// few kilobytes; anything beyond this is skipped and counted.
const MaxValueSize = 256 << 10

// wireService and wireNode are go-micro's registry.Service and
// registry.Node (go-micro.dev/v5 v5.30.0, registry/registry.go): the same
// fields in the same order with the same tags, so that json.Marshal writes
// the bytes go-micro writes. Endpoints are domains.Endpoint, which is
// go-micro's Endpoint field for field.
type wireService struct {
	Name      string              `json:"name"`
	Version   string              `json:"version"`
	Metadata  map[string]string   `json:"metadata"`
	Endpoints []*domains.Endpoint `json:"endpoints"`
	Nodes     []*wireNode         `json:"nodes"`
}

type wireNode struct {
	Metadata map[string]string `json:"metadata"`
	Id       string            `json:"id"`
	Address  string            `json:"address"`
}

// encode returns the value of one node of svc registered in the origin
// domains: the JSON of the service with that node, its metadata carrying
// the origins in MetaDomain. svc is not changed.
func encode(svc *domains.Service, n *domains.Node, origins []string) ([]byte, error) {
	meta := maps.Clone(n.Metadata)
	if meta == nil {
		meta = make(map[string]string, 1)
	}
	meta[domains.MetaDomain] = strings.Join(origins, ",")
	return json.Marshal(&wireService{
		Name:      svc.Name,
		Version:   svc.Version,
		Metadata:  svc.Metadata,
		Endpoints: svc.Endpoints,
		Nodes:     []*wireNode{{Metadata: meta, Id: n.Id, Address: n.Address}},
	})
}

// skip says why a key was not read as a node.
type skip int

const (
	readOK    skip = iota
	malformed      // the value is not JSON of a service
	foreign        // not in the layout, or the value does not match its key
	oversize       // the value is larger than MaxValueSize
)

// decoded is one node read from etcd.
type decoded struct {
	svc     *domains.Service // holding the one node; Node.Domain unset
	origins []string         // the node's domains, in registration order
}

// decode reads the node stored at key. A value must be the JSON of a
// service with exactly one node, whose name and id are those of the key.
func (r *Registry) decode(key string, value []byte) (decoded, skip) {
	if len(value) > MaxValueSize {
		return decoded{}, oversize
	}
	ks, kn, ok := r.splitKey(key)
	if !ok {
		return decoded{}, foreign
	}
	var w wireService
	if err := json.Unmarshal(value, &w); err != nil {
		return decoded{}, malformed
	}
	if w.Name == "" || len(w.Nodes) != 1 || w.Nodes[0] == nil || w.Nodes[0].Id == "" ||
		escape(w.Name) != ks || escape(w.Nodes[0].Id) != kn {
		return decoded{}, foreign
	}
	wn := w.Nodes[0]
	meta := wn.Metadata
	var origins []string
	if d, ok := meta[domains.MetaDomain]; ok {
		meta = maps.Clone(meta)
		delete(meta, domains.MetaDomain)
		for _, o := range strings.Split(d, ",") {
			// A name with blanks inside is no domain (RFC 1035 §2.3.1):
			// dropped, else " dev ." would read as "dev " here and as
			// "dev" once written back.
			o = domains.NormalizeDomain(strings.TrimSpace(o))
			if o != "" && !strings.ContainsAny(o, " \t\r\n") && !slices.Contains(origins, o) {
				origins = append(origins, o)
			}
		}
	}
	if len(origins) == 0 {
		origins = []string{r.domain}
	}
	if len(meta) == 0 {
		meta = nil // {} and only a domain read the same
	}
	return decoded{
		svc: &domains.Service{
			Name: w.Name, Version: w.Version, Metadata: w.Metadata, Endpoints: w.Endpoints,
			Nodes: []*domains.Node{{Id: wn.Id, Address: wn.Address, Metadata: meta}},
		},
		origins: origins,
	}, readOK
}

// inDomain returns the node of d as a read of domain dom sees it (nil if
// it is not in dom): in the global domain every node, marked with all its
// origins; in another domain the nodes registered in it.
func (r *Registry) inDomain(d decoded, dom string) *domains.Service {
	n := d.svc.Nodes[0]
	switch {
	case dom == r.global:
		n.Domain = strings.Join(d.origins, ",")
	case slices.Contains(d.origins, dom):
		n.Domain = dom
	default:
		return nil
	}
	return d.svc
}

// count records a skipped key.
func (r *Registry) count(s skip) {
	switch s {
	case malformed:
		r.stats.malformed.Add(1)
	case foreign:
		r.stats.foreign.Add(1)
	case oversize:
		r.stats.oversize.Add(1)
	}
}
