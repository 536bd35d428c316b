package domains

import (
	"cmp"
	"maps"
	"net"
	"slices"
)

// A MergedNode is one node of a merged view with where it came from.
type MergedNode struct {
	// Service is the service as the winning source has it (name, version,
	// metadata, endpoints) holding this one node.
	Service *Service
	// Sources lists every source that has the node, the winner first,
	// then in precedence order.
	Sources []NodeSource
	// Conflicts lists where a source disagrees with the winner on the
	// node's port, version or metadata; empty when they all agree.
	Conflicts []Conflict
}

// A NodeSource is one source's copy of a merged node.
type NodeSource struct {
	// Source is the source's name, with ":" and the MetaSite of the copy
	// when it has one ("etcd:berlin").
	Source string
	// Address is the node's address in this source.
	Address string
	// Stale is set while the source is failing and its copy is the last
	// one known.
	Stale bool
}

// A Conflict is one disagreement between a source and the winning one.
type Conflict struct {
	Source string // NodeSource.Source of the disagreeing copy
	// Field is "port", "version" or "metadata:<key>".
	Field string
	// Value is what the source says, Winner what the winner says; an
	// absent metadata key reads "<unset>".
	Value, Winner string
}

// A MergedEvent is one change of a merged view: create when the first
// source shows a node, update when the merged node changes (its winning
// copy, its sources, their staleness or conflicts), delete when the last
// source drops it.
type MergedEvent struct {
	Action string
	Node   *MergedNode

	plain bool // the winning copy changed (what Watch reports)
}

// unset stands for an absent metadata key in a Conflict.
const unset = "<unset>"

// ignoredInConflicts are metadata keys that describe a copy, not the node.
var ignoredInConflicts = []string{MetaDomain, MetaSite, MetaLink}

// merge builds the merged node from st's entries; v.mu held.
func (v *mergedView) merge(st *mergedState) *MergedNode {
	idx := slices.Collect(maps.Keys(st.entries))
	srcs := v.m.sources
	slices.SortFunc(idx, func(a, b int) int {
		if srcs[a].Authoritative != srcs[b].Authoritative {
			if srcs[a].Authoritative {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(st.seen[a], st.seen[b]), cmp.Compare(a, b))
	})
	win := st.entries[idx[0]].svc
	out := &MergedNode{Service: win.clone()}
	for i, si := range idx {
		e := st.entries[si]
		n := e.svc.Nodes[0]
		label := srcs[si].Name
		if site := n.Metadata[MetaSite]; site != "" {
			label += ":" + site
		}
		out.Sources = append(out.Sources, NodeSource{Source: label, Address: n.Address, Stale: e.pending})
		if i > 0 {
			out.Conflicts = append(out.Conflicts, disagreements(label, e.svc, win)...)
		}
	}
	return out
}

// disagreements lists where svc (from source label) differs from the
// winner win on port, version or metadata.
func disagreements(label string, svc, win *Service) []Conflict {
	var out []Conflict
	if p, wp := portOf(svc.Nodes[0].Address), portOf(win.Nodes[0].Address); p != wp {
		out = append(out, Conflict{Source: label, Field: "port", Value: p, Winner: wp})
	}
	if svc.Version != win.Version {
		out = append(out, Conflict{Source: label, Field: "version", Value: svc.Version, Winner: win.Version})
	}
	a, b := svc.Nodes[0].Metadata, win.Nodes[0].Metadata
	keys := slices.Sorted(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		if slices.Contains(ignoredInConflicts, k) {
			continue
		}
		va, oka := a[k]
		vb, okb := b[k]
		if oka == okb && va == vb {
			continue
		}
		if !oka {
			va = unset
		}
		if !okb {
			vb = unset
		}
		out = append(out, Conflict{Source: label, Field: "metadata:" + k, Value: va, Winner: vb})
	}
	return out
}

func portOf(addr string) string {
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		return ""
	}
	return p
}

func (n *MergedNode) clone() *MergedNode {
	if n == nil {
		return nil
	}
	return &MergedNode{Service: n.Service.clone(), Sources: slices.Clone(n.Sources), Conflicts: slices.Clone(n.Conflicts)}
}

// sameService reports whether two one-node services read the same.
func sameService(a, b *Service) bool {
	na, nb := a.Nodes[0], b.Nodes[0]
	return a.Name == b.Name && a.Version == b.Version && maps.Equal(a.Metadata, b.Metadata) &&
		equalEndpoints(a.Endpoints, b.Endpoints) &&
		na.Id == nb.Id && na.Address == nb.Address && na.Domain == nb.Domain && maps.Equal(na.Metadata, nb.Metadata)
}

// sameDetails reports whether two merged nodes have the same sources
// and conflicts.
func sameDetails(a, b *MergedNode) bool {
	return slices.Equal(a.Sources, b.Sources) && slices.Equal(a.Conflicts, b.Conflicts)
}
