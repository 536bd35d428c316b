package domains

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
)

// errDown is what a fakeSource fails with while it is down.
var errDown = errors.New("fake source: down")

// fakeSource is a registry in memory that can fail, for merged-view
// tests. It hands its own objects to Watch callbacks (not copies), and
// remembers what they looked like, so a view that mutated them is caught
// (checkUntouched).
type fakeSource struct {
	mu       sync.Mutex
	nodes    map[string]*Service // "name/id" → one-node service
	pristine map[*Service]*Service
	watches  map[*fakeWatch]struct{}
	down     bool
	hold     chan struct{} // non-nil: ListServices blocks until it is closed
	listDown bool          // ListServices fails while Watch works
}

type fakeWatch struct {
	events chan Result
	fail   chan struct{}
}

func newFakeSource() *fakeSource {
	return &fakeSource{nodes: map[string]*Service{}, pristine: map[*Service]*Service{}, watches: map[*fakeWatch]struct{}{}}
}

func fakeKey(s *Service) string { return s.Name + "/" + strings.ToLower(s.Nodes[0].Id) }

// put adds or replaces a node (s holds one) and tells the watchers.
func (f *fakeSource) put(s *Service) {
	f.mu.Lock()
	defer f.mu.Unlock()
	action := ActionCreate
	if _, ok := f.nodes[fakeKey(s)]; ok {
		action = ActionUpdate
	}
	f.nodes[fakeKey(s)] = s
	f.pristine[s] = s.clone()
	f.send(Result{Action: action, Service: s})
}

// remove deletes a node and tells the watchers.
func (f *fakeSource) remove(name, id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := name + "/" + strings.ToLower(id)
	if s, ok := f.nodes[k]; ok {
		delete(f.nodes, k)
		f.send(Result{Action: ActionDelete, Service: s})
	}
}

func (f *fakeSource) send(r Result) {
	for w := range f.watches {
		w.events <- r // buffered generously; tests stay far below
	}
}

// setDown makes every call fail (and running Watches return) or work again.
func (f *fakeSource) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
	if down {
		for w := range f.watches {
			close(w.fail)
			delete(f.watches, w)
		}
	}
}

func (f *fakeSource) GetService(ctx context.Context, domain, name string) ([]*Service, error) {
	all, err := f.ListServices(ctx, domain)
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(s *Service) bool { return s.Name != name })
	if len(all) == 0 {
		return nil, ErrNotFound
	}
	return all, nil
}

func (f *fakeSource) ListServices(ctx context.Context, domain string) ([]*Service, error) {
	f.mu.Lock()
	hold := f.hold
	f.mu.Unlock()
	if hold != nil {
		select {
		case <-hold:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down || f.listDown {
		return nil, errDown
	}
	var out []*Service
	for _, s := range f.nodes {
		out = append(out, s.clone())
	}
	return out, nil
}

func (f *fakeSource) Watch(ctx context.Context, domain, service string, fn func(Result) error) error {
	f.mu.Lock()
	if f.down {
		f.mu.Unlock()
		return errDown
	}
	w := &fakeWatch{events: make(chan Result, 1024), fail: make(chan struct{})}
	for _, s := range f.nodes {
		w.events <- Result{Action: ActionCreate, Service: s}
	}
	f.watches[w] = struct{}{}
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		delete(f.watches, w)
		f.mu.Unlock()
	}()
	for {
		select {
		case r := <-w.events:
			if err := fn(r); err != nil {
				return err
			}
		case <-w.fail:
			return errDown
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// checkUntouched fails t if anything the fake handed out was changed.
func (f *fakeSource) checkUntouched(t *testing.T) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for s, was := range f.pristine {
		if !reflect.DeepEqual(s, was) {
			t.Errorf("a source's object was mutated: %+v, was %+v", s.Nodes[0], was.Nodes[0])
		}
	}
}

// node is a one-node service for the fakes.
func node(name, version, id, addr string, meta map[string]string) *Service {
	return &Service{Name: name, Version: version, Nodes: []*Node{{Id: id, Address: addr, Metadata: meta, Domain: "local"}}}
}

// mergedSummary renders merged nodes as
// "name/version id@addr [src=addr,src!=addr] {conflicts}" lines, "!" marking
// a stale copy.
func mergedSummary(ns []*MergedNode) []string {
	var out []string
	for _, n := range ns {
		var srcs []string
		for _, s := range n.Sources {
			mark := "="
			if s.Stale {
				mark = "!="
			}
			srcs = append(srcs, s.Source+mark+s.Address)
		}
		var cs []string
		for _, c := range n.Conflicts {
			cs = append(cs, fmt.Sprintf("%s %s %s/%s", c.Source, c.Field, c.Value, c.Winner))
		}
		nd := n.Service.Nodes[0]
		line := fmt.Sprintf("%s/%s %s@%s [%s]", n.Service.Name, n.Service.Version, nd.Id, nd.Address, strings.Join(srcs, ","))
		if len(cs) > 0 {
			line += " {" + strings.Join(cs, "; ") + "}"
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}
