package bridge

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/domains"
)

// feedSource is a domains.Source whose Watch reports what the test sends.
type feedSource struct{ ch chan domains.Result }

func (f *feedSource) GetService(context.Context, string, string) ([]*domains.Service, error) {
	return nil, domains.ErrNotFound
}
func (f *feedSource) ListServices(context.Context, string) ([]*domains.Service, error) {
	return nil, nil
}
func (f *feedSource) Watch(ctx context.Context, _, _ string, fn func(domains.Result) error) error {
	for {
		select {
		case r := <-f.ch:
			fn(r)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// memTarget records registrations; it fails while down.
type memTarget struct {
	mu    sync.Mutex
	nodes map[string]string // "domain/name/id" → address and tags
	down  bool
	calls int
}

func (m *memTarget) Register(_ context.Context, d string, s *domains.Service, _ ...domains.RegisterOption) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.down {
		return errors.New("target down")
	}
	n := s.Nodes[0]
	m.nodes[d+"/"+s.Name+"/"+n.Id] = fmt.Sprintf("%s %s site=%s link=%s", s.Version, n.Address, n.Metadata[domains.MetaSite], n.Metadata[domains.MetaLink])
	return nil
}

func (m *memTarget) Deregister(_ context.Context, d string, s *domains.Service) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	if m.down {
		return errors.New("target down")
	}
	delete(m.nodes, d+"/"+s.Name+"/"+s.Nodes[0].Id)
	return nil
}

func (m *memTarget) state() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for k, v := range m.nodes {
		out = append(out, k+" "+v)
	}
	slices.Sort(out)
	return out
}

func res(action, id, addr, domain string, meta map[string]string) domains.Result {
	return domains.Result{Action: action, Service: &domains.Service{Name: "greeter", Version: "1", Nodes: []*domains.Node{{Id: id, Address: addr, Domain: domain, Metadata: meta}}}}
}

// The bridge's bookkeeping: a node heard on two links is one node (the
// first link's copy) until both drop it; its origin domains are each
// registered; nodes from another bridge (site tag) and link-local ones
// are not mirrored; writes that fail are retried with backoff until they
// succeed, none lost.
func TestBridgeLogic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		eth0, eth1 := &feedSource{make(chan domains.Result)}, &feedSource{make(chan domains.Result)}
		target := &memTarget{nodes: map[string]string{}}
		b, err := New(Config{Target: target, Site: "berlin", Links: []Link{{"eth0", eth0}, {"eth1", eth1}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- b.Run(ctx) }()
		step := func(what string, src *feedSource, r domains.Result, want ...string) {
			t.Helper()
			if src != nil {
				src.ch <- r
			}
			synctest.Wait()
			if got := target.state(); !slices.Equal(got, want) {
				t.Errorf("%s:\n got %q\nwant %q", what, got, want)
			}
		}
		step("n1 on eth1", eth1, res("create", "n1", "10.0.1.1:80", "local", nil),
			"local/greeter/n1 1 10.0.1.1:80 site=berlin link=eth1")
		step("n1 on eth0 too: still eth1's copy", eth0, res("create", "n1", "10.0.0.1:80", "local", nil),
			"local/greeter/n1 1 10.0.1.1:80 site=berlin link=eth1")
		step("eth1 drops it: eth0's copy", eth1, res("delete", "n1", "10.0.1.1:80", "local", nil),
			"local/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0")
		step("n1 now registered in dev and prod", eth0, res("update", "n1", "10.0.0.1:80", "dev,prod", nil),
			"dev/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0", "prod/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0")
		step("from another bridge: not mirrored", eth0, res("create", "n2", "10.0.0.2:80", "local", map[string]string{domains.MetaSite: "paris"}),
			"dev/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0", "prod/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0")
		step("link-local only: not mirrored", eth0, res("create", "n3", "[fe80::3%eth0]:80", "local", nil),
			"dev/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0", "prod/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0")
		if st := b.Stats(); st.Tagged != 1 || st.LinkLocal != 1 {
			t.Errorf("Stats = %+v", st)
		}

		target.mu.Lock()
		target.down = true
		target.mu.Unlock()
		eth0.ch <- res("delete", "n1", "10.0.0.1:80", "dev,prod", nil)
		eth0.ch <- res("create", "n4", "10.0.0.4:80", "local", nil)
		time.Sleep(30 * time.Second)
		target.mu.Lock()
		target.down = false
		calls := target.calls
		target.mu.Unlock()
		// 100 ms doubling up to 1 s: about 35 rounds of 2 writes in 30 s.
		if calls > 2*40 {
			t.Errorf("%d calls in 30 s of failures: the backoff does not back off", calls)
		}
		time.Sleep(time.Second) // RetryMax
		if got := target.state(); !slices.Equal(got, []string{"local/greeter/n4 1 10.0.0.4:80 site=berlin link=eth0"}) || b.Stats().Failures == 0 {
			t.Errorf("1 s after the target's return: %q, stats %+v", got, b.Stats())
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Run: %v", err)
		}
		if _, err := New(Config{Target: target, Site: "x"}); err == nil || !strings.Contains(err.Error(), "Links") {
			t.Errorf("New without links: %v", err)
		}
	})
}

// failingSource is a domains.Source that can fail: while down, Watch and
// ListServices return an error; it has the nodes in have.
type failingSource struct {
	mu   sync.Mutex
	down bool
	fail chan struct{}
	have []domains.Result
}

func (f *failingSource) GetService(context.Context, string, string) ([]*domains.Service, error) {
	return nil, domains.ErrNotFound
}

func (f *failingSource) ListServices(context.Context, string) ([]*domains.Service, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.down {
		return nil, errors.New("source down")
	}
	var out []*domains.Service
	for _, r := range f.have {
		out = append(out, r.Service)
	}
	return out, nil
}

func (f *failingSource) Watch(ctx context.Context, _, _ string, fn func(domains.Result) error) error {
	f.mu.Lock()
	if f.down {
		f.mu.Unlock()
		return errors.New("source down")
	}
	fail := f.fail
	have := slices.Clone(f.have)
	f.mu.Unlock()
	for _, r := range have {
		fn(r)
	}
	select {
	case <-fail:
		return errors.New("source down")
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *failingSource) setDown(down bool, have ...domains.Result) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if down {
		close(f.fail)
	} else {
		f.fail = make(chan struct{})
		f.have = have
	}
	f.down = down
}

// A link source that fails keeps its nodes in the Target (they are the
// last known) instead of having them deleted; when it answers again,
// the nodes it no longer has are deleted.
func TestBridgeSourceFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &failingSource{fail: make(chan struct{}), have: []domains.Result{
			res("create", "n1", "10.0.0.1:80", "local", nil), res("create", "n2", "10.0.0.2:80", "local", nil),
		}}
		target := &memTarget{nodes: map[string]string{}}
		b, err := New(Config{Target: target, Site: "berlin", Links: []Link{{"eth0", src}}})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- b.Run(ctx) }()
		time.Sleep(time.Second)
		both := []string{"local/greeter/n1 1 10.0.0.1:80 site=berlin link=eth0", "local/greeter/n2 1 10.0.0.2:80 site=berlin link=eth0"}
		if got := target.state(); !slices.Equal(got, both) {
			t.Fatalf("mirrored %q", got)
		}
		src.setDown(true)
		time.Sleep(30 * time.Second)
		if got := target.state(); !slices.Equal(got, both) {
			t.Errorf("while the link source is down: %q, want both kept", got)
		}
		src.setDown(false, res("create", "n2", "10.0.0.2:80", "local", nil))
		time.Sleep(3 * time.Second)
		if got := target.state(); !slices.Equal(got, both[1:]) {
			t.Errorf("after the source's return without n1: %q", got)
		}
		cancel()
		<-done
	})
}
