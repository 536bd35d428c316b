package domains

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// mergedView is a Merged's picture of one domain.
type mergedView struct {
	m      *Merged
	domain string
	start  time.Time
	feeds  []*feed

	mu       sync.Mutex
	nodes    map[mergedKey]*mergedState
	seq      uint64
	watchers map[*mergedWatcher]struct{}
}

// mergedKey identifies a node across sources: its service name and node
// id, the id compared ignoring case as mDNS names are (RFC 6762 §16).
// The version is an attribute: sources may disagree on it.
type mergedKey struct{ name, id string }

// mergedState is one node of the view: what each source says about it.
type mergedState struct {
	key     mergedKey
	entries map[int]*sourceEntry // by source index
	seen    map[int]uint64       // when each source first showed it
	last    *MergedNode          // as last emitted; nil before the first
}

// sourceEntry is one source's copy of a node.
type sourceEntry struct {
	svc     *Service // a private copy holding only this node
	pending bool     // kept from before the source failed; not confirmed since
}

func newMergedView(m *Merged, domain string) *mergedView {
	v := &mergedView{
		m: m, domain: domain, start: time.Now(),
		nodes:    make(map[mergedKey]*mergedState),
		watchers: make(map[*mergedWatcher]struct{}),
	}
	for i := range m.sources {
		v.feeds = append(v.feeds, &feed{
			v: v, src: i, state: "syncing", since: v.start, initial: true,
			synced: make(chan struct{}), touch: make(chan struct{}, 1),
		})
	}
	return v
}

// apply merges one result of a source's Watch.
func (v *mergedView) apply(f *feed, r Result) {
	s := r.Service
	if s == nil || len(s.Nodes) != 1 || s.Nodes[0] == nil || s.Name == "" {
		return // not a Result as Watch promises; nothing to merge
	}
	n := s.Nodes[0]
	key := mergedKey{s.Name, strings.ToLower(n.Id)}
	v.mu.Lock()
	defer v.mu.Unlock()
	f.reported[key] = true
	select {
	case f.touch <- struct{}{}:
	default:
	}
	st := v.nodes[key]
	if r.Action == ActionDelete {
		if st == nil || st.entries[f.src] == nil {
			return
		}
		delete(st.entries, f.src)
		v.recompute(key, st)
		return
	}
	if st == nil {
		st = &mergedState{key: key, entries: make(map[int]*sourceEntry), seen: make(map[int]uint64)}
		v.nodes[key] = st
	}
	if _, ok := st.seen[f.src]; !ok {
		// What a source has when the view starts reading counts as seen
		// at the start, whatever order the sources answer in: ties go
		// to the earlier source, deterministically.
		if !f.initial {
			v.seq++
			st.seen[f.src] = v.seq
		} else {
			st.seen[f.src] = 0
		}
	}
	st.entries[f.src] = &sourceEntry{svc: &Service{
		Name: s.Name, Version: s.Version, Metadata: maps.Clone(s.Metadata),
		Endpoints: cloneEndpoints(s.Endpoints), Nodes: []*Node{n.clone()},
	}}
	v.recompute(key, st)
}

// markPending marks every node of f's source as not confirmed: stale
// until a new Watch reports it, deleted if it does not; v.mu held.
func (v *mergedView) markPending(f *feed) {
	for key, st := range v.nodes {
		if e := st.entries[f.src]; e != nil && !e.pending {
			e.pending = true
			v.recompute(key, st)
		}
	}
}

// confirm ends a feed's barrier: nodes still pending are gone from the
// source; v.mu held.
func (v *mergedView) confirm(f *feed) {
	v.dropPending(f)
	f.setState("ok", nil)
	f.markSynced()
}

// expireStale drops the nodes of a failing source once StaleTTL has
// passed since it failed.
func (v *mergedView) expireStale(f *feed) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if f.state == "stale" && time.Since(f.since) >= v.m.staleTTL {
		v.m.staleDropped.Add(uint64(v.dropPending(f)))
	}
}

// dropPending deletes f's pending entries and returns how many; v.mu held.
func (v *mergedView) dropPending(f *feed) int {
	n := 0
	for key, st := range v.nodes {
		if e := st.entries[f.src]; e != nil && e.pending {
			delete(st.entries, f.src)
			n++
			v.recompute(key, st)
		}
	}
	return n
}

// recompute merges a node's entries again and tells the watchers what
// changed; v.mu held.
func (v *mergedView) recompute(key mergedKey, st *mergedState) {
	var next *MergedNode
	if len(st.entries) > 0 {
		next = v.merge(st)
	}
	prev := st.last
	st.last = next
	if next == nil {
		delete(v.nodes, key)
	}
	switch {
	case prev == nil && next == nil:
	case prev == nil:
		v.emit(ActionCreate, next, true)
	case next == nil:
		v.emit(ActionDelete, prev, true)
	case prev.Service.Version != next.Service.Version:
		// Another version is another service (go-micro keys by both).
		v.emit(ActionDelete, prev, true)
		v.emit(ActionCreate, next, true)
	default:
		plain := !sameService(prev.Service, next.Service)
		if plain || !sameDetails(prev, next) {
			v.emit(ActionUpdate, next, plain)
		}
	}
	if next != nil && len(next.Conflicts) > 0 && (prev == nil || len(prev.Conflicts) == 0) {
		v.m.conflicts.Add(1)
	}
}

// emit queues an event for the watchers of its service; v.mu held.
func (v *mergedView) emit(action string, n *MergedNode, plain bool) {
	for w := range v.watchers {
		if w.service == "" || w.service == n.Service.Name {
			w.push(MergedEvent{Action: action, Node: n.clone(), plain: plain})
		}
	}
}

// ordered returns the nodes in the order first seen by any source (those
// present when the view started by name and id); v.mu held.
func (v *mergedView) ordered(name string) []*mergedState {
	var out []*mergedState
	first := map[*mergedState]uint64{}
	for _, st := range v.nodes {
		if st.last != nil && (name == "" || st.last.Service.Name == name) {
			out = append(out, st)
			first[st] = slices.Min(slices.Collect(maps.Values(st.seen)))
		}
	}
	slices.SortFunc(out, func(a, b *mergedState) int {
		return cmp.Or(cmp.Compare(first[a], first[b]), strings.Compare(a.key.name, b.key.name), strings.Compare(a.key.id, b.key.id))
	})
	return out
}

// services aggregates the merged nodes into services, one per (name,
// version), in the order first seen, each with the winning copies of its
// nodes; name "" means all. v.mu held.
func (v *mergedView) services(name string) []*Service {
	type sv struct{ name, version string }
	byKey := map[sv]*Service{}
	var out []*Service
	for _, st := range v.ordered(name) {
		w := st.last.Service
		k := sv{w.Name, w.Version}
		s := byKey[k]
		if s == nil {
			// As go-micro: the endpoints of the first node seen.
			s = &Service{Name: w.Name, Version: w.Version, Metadata: maps.Clone(w.Metadata), Endpoints: cloneEndpoints(w.Endpoints)}
			byKey[k] = s
			out = append(out, s)
		}
		s.Nodes = append(s.Nodes, w.Nodes[0].clone())
	}
	return out
}

// details returns copies of the merged nodes, in the order first seen;
// name "" means all. v.mu held.
func (v *mergedView) details(name string) []*MergedNode {
	var out []*MergedNode
	for _, st := range v.ordered(name) {
		out = append(out, st.last.clone())
	}
	return out
}

func sortStates(s []SourceState) {
	slices.SortStableFunc(s, func(a, b SourceState) int { return strings.Compare(a.Domain, b.Domain) })
}
