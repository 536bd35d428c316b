package domains

import (
	"cmp"
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// Settling. A browse starts with an empty cache; the querier's first query
// leaves after 20–120 ms and shared answers come 20–120 ms later
// (RFC 6762 §5.2, §6), more for instances that need their SRV, TXT or
// addresses asked for. So the first read of a browse waits until at least
// settleMin has passed and no new answer has come for settleQuiet, and at
// most settleMax in all. Later reads answer from the cache at once.
//
// A responder multicasts a record at most once a second (§6): a browse
// that starts just after the records went out (for another querier, or
// announced) hears them only when that second is over — unless it got
// them by unicast, which a port shared with another process on this
// machine may have taken. So while nothing at all has been heard, a
// browse waits until settleSilent.
const (
	settleMin    = 500 * time.Millisecond
	settleSilent = 1250 * time.Millisecond
	settleQuiet  = 300 * time.Millisecond
	settleMax    = 1500 * time.Millisecond
)

// maxTypes bounds the service types one domain view browses, against a
// network announcing endless types.
const maxTypes = 256

// typesKey names the browse of the domain's service types in view.browses.
const typesKey = "\x00types"

// view is the Registry's picture of one domain: continuous browses,
// started on demand and kept until Close, aggregated into nodes.
type view struct {
	r      *Registry
	domain string

	mu       sync.Mutex
	browses  map[string]*browse // by service type (typesKey: the type list)
	all      bool               // browse every type found
	nodes    map[nodeKey]*nodeState
	seq      uint64
	watchers map[*watcher]struct{}
	listed   map[string]string // Micro flavour: the _services list, lower-cased name → name
	listCh   chan struct{}     // closed and replaced when listed changes
}

type browse struct {
	start, last time.Time // last: the latest answer (start until one came)
	heard       bool      // an answer came
	settled     bool
}

// nodeKey identifies an instance: names compare ignoring ASCII case
// (RFC 6762 §16).
type nodeKey struct{ typ, inst string }

type nodeState struct {
	info nodeInfo
	seq  uint64 // first seen, for stable ordering
}

// view returns the view of domain d, creating it.
func (r *Registry) view(d string) (*view, error) {
	d, err := r.domainOf(d)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrClosed
	}
	v := r.views[d]
	if v == nil {
		v = &view{
			r: r, domain: d,
			browses:  make(map[string]*browse),
			nodes:    make(map[nodeKey]*nodeState),
			watchers: make(map[*watcher]struct{}),
			listed:   make(map[string]string),
			listCh:   make(chan struct{}),
		}
		r.views[d] = v
	}
	return v, nil
}

// ensureBrowse starts browsing typ unless it already is, and returns the
// browse (nil when over maxTypes or closed); v.mu is held. Browses are
// keyed by the lower-cased type, but asked for as given: go-micro
// compares question names case-sensitively.
func (v *view) ensureBrowse(typ string) *browse {
	key := typ
	if typ != typesKey {
		key = strings.ToLower(typ)
	}
	if b := v.browses[key]; b != nil {
		return b
	}
	if len(v.browses) > maxTypes || v.r.ctx.Err() != nil {
		return nil
	}
	now := time.Now()
	b := &browse{start: now, last: now}
	r := v.r
	ok := r.spawn(func() {
		var err error
		switch {
		case typ == typesKey:
			err = r.conn.BrowseTypes(r.ctx, v.domain, func(ev mdns.TypeEvent) error {
				v.handleType(ev)
				return nil
			})
		case r.flavour == Micro && key == MicroListType:
			err = BrowseMicroList(r.ctx, r.conn, v.domain, func(kind mdns.EventKind, name string) error {
				v.handleList(kind, name)
				return nil
			})
		default:
			// go-micro's names span labels where its service names and
			// node ids ("go.micro.srv.greeter-<uuid>") have dots.
			q := mdns.BrowseQuery{Type: typ, Domain: v.domain, DottedInstance: v.r.flavour == Micro}
			err = r.conn.Browse(r.ctx, q, func(ev mdns.BrowseEvent) error {
				v.handle(key, ev)
				return nil
			})
		}
		if err != nil && r.ctx.Err() == nil && !errors.Is(err, context.Canceled) {
			r.log("domains: browsing %s in %s: %v", typ, v.domain, err)
			v.mu.Lock()
			if v.browses[key] == b {
				delete(v.browses, key) // a later read tries again
			}
			b.settled = true
			v.mu.Unlock()
		}
	})
	if !ok {
		return nil
	}
	v.browses[key] = b
	return b
}

// ensureAll browses every service type of the domain; v.mu is held.
func (v *view) ensureAll() {
	v.all = true
	if v.r.flavour == Micro {
		// go-micro's list (ListServices asks for _services.<domain>.).
		v.ensureBrowse(MicroListType)
		for _, name := range v.listed {
			v.ensureBrowse(name)
		}
		return
	}
	v.ensureBrowse(typesKey)
}

// handleType starts a browse for each DNS-SD type of the domain.
func (v *view) handleType(ev mdns.TypeEvent) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.touch(typesKey)
	if ev.Kind != mdns.EventRemove && nameFromType(ev.Type) != "" {
		v.ensureBrowse(ev.Type)
	}
}

// touch notes an answer for a browse's settling.
func (v *view) touch(typ string) {
	if b := v.browses[typ]; b != nil {
		b.last, b.heard = time.Now(), true
	}
}

// handle applies one browse event and tells the watchers.
func (v *view) handle(typ string, ev mdns.BrowseEvent) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.touch(typ)
	key := nodeKey{strings.ToLower(typ), strings.ToLower(ev.Entry.Instance)}
	old := v.nodes[key]
	var ni nodeInfo
	ok := false
	if ev.Kind != mdns.EventRemove {
		var err error
		ni, err = decodeEntry(v.r.flavour, v.domain, v.r.global, ev.Entry)
		ok = err == nil
	}
	switch {
	case !ok:
		if old != nil {
			delete(v.nodes, key)
			v.emit(ActionDelete, old.info)
		}
	case old == nil:
		v.seq++
		v.nodes[key] = &nodeState{info: ni, seq: v.seq}
		v.emit(ActionCreate, ni)
	case old.info.name != ni.name || old.info.version != ni.version:
		// Another service or version: go-micro keys services by both.
		v.emit(ActionDelete, old.info)
		v.seq++
		v.nodes[key] = &nodeState{info: ni, seq: v.seq}
		v.emit(ActionCreate, ni)
	default:
		changed := !sameNode(old.info, ni)
		old.info = ni
		if changed {
			v.emit(ActionUpdate, ni)
		}
	}
}

// handleList tracks go-micro's service list (Micro flavour).
func (v *view) handleList(kind mdns.EventKind, name string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.touch(MicroListType)
	lname := strings.ToLower(name)
	_, was := v.listed[lname]
	now := kind != mdns.EventRemove
	if was == now {
		return
	}
	if now {
		v.listed[lname] = name
		if v.all && validateMicroName(name) == nil {
			v.ensureBrowse(name)
		}
	} else {
		delete(v.listed, lname)
	}
	close(v.listCh)
	v.listCh = make(chan struct{})
}

func sameNode(a, b nodeInfo) bool {
	return a.node.Address == b.node.Address && a.node.Domain == b.node.Domain &&
		maps.Equal(a.node.Metadata, b.node.Metadata) && equalEndpoints(a.endpoints, b.endpoints)
}

// emit queues a result for the watchers of its service; v.mu is held.
func (v *view) emit(action string, ni nodeInfo) {
	for w := range v.watchers {
		if w.service == "" || w.service == ni.name {
			w.push(Result{Action: action, Service: ni.service()})
		}
	}
}

// service returns a fresh Service holding only ni's node.
func (ni nodeInfo) service() *Service {
	n := ni.node
	return &Service{Name: ni.name, Version: ni.version, Endpoints: cloneEndpoints(ni.endpoints), Nodes: []*Node{n.clone()}}
}

// services aggregates the nodes into services, one per (name, version),
// in the order first seen; name "" means all. v.mu is held.
func (v *view) services(name string) []*Service {
	states := slices.Collect(maps.Values(v.nodes))
	slices.SortFunc(states, func(a, b *nodeState) int { return cmp.Compare(a.seq, b.seq) })
	type sv struct{ name, version string }
	byKey := map[sv]*Service{}
	var out []*Service
	for _, st := range states {
		if name != "" && st.info.name != name {
			continue
		}
		k := sv{st.info.name, st.info.version}
		s := byKey[k]
		if s == nil {
			// go-micro takes the endpoints of the first node seen.
			s = &Service{Name: k.name, Version: k.version, Endpoints: cloneEndpoints(st.info.endpoints)}
			byKey[k] = s
			out = append(out, s)
		}
		s.Nodes = append(s.Nodes, st.info.node.clone())
	}
	return out
}

// waitSettled waits until the browses pick selects have settled (see
// settleMin); pick runs with v.mu held and may see new browses appear.
func (v *view) waitSettled(ctx context.Context, pick func() []*browse) error {
	deadline := time.Now().Add(settleMax)
	for {
		now := time.Now()
		var wait time.Duration
		v.mu.Lock()
		bs := pick()
		for _, b := range bs {
			if b.settled {
				continue
			}
			st := Settle{Start: b.start}
			if b.heard {
				st.Last = b.last
			}
			due := st.Due()
			if !now.Before(due) {
				b.settled = true
				continue
			}
			wait = max(wait, due.Sub(now))
		}
		if wait > 0 && !now.Before(deadline) {
			for _, b := range bs { // a busy link must not slow every read
				b.settled = true
			}
			wait = 0
		}
		v.mu.Unlock()
		if wait == 0 {
			return nil
		}
		if !sleepCtx(ctx, min(wait, deadline.Sub(now))) {
			return ctx.Err()
		}
		if v.r.ctx.Err() != nil {
			return ErrClosed
		}
	}
}
