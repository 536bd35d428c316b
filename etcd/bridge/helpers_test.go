package bridge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// lan is a simulated link (in real time: etcd is real) whose hosts each
// run a domains.Registry.
type lan struct {
	link  *mdnstest.Link
	hosts []*mdnstest.Host
	regs  []*domains.Registry
}

var seed uint64

// newLAN builds a link with n hosts numbered in prefix (10.P.0.0/16);
// cacheRecords, if given, bounds each host's mDNS cache.
func newLAN(t *testing.T, name string, p, n int, cacheRecords ...int) *lan {
	t.Helper()
	l := &lan{link: mdnstest.NewLink(mdnstest.LinkConfig{
		Name:       name,
		IPv4Prefix: netip.MustParsePrefix(fmt.Sprintf("10.%d.0.0/16", p)),
		IPv6Prefix: netip.MustParsePrefix(fmt.Sprintf("fd00:%d::/64", p)),
	})}
	for i := range n {
		h := l.link.AddHost(fmt.Sprintf("%s%d", name, i+1))
		seed++
		cfg := mdns.Config{Network: h, Rand: rand.New(rand.NewPCG(seed, 1))}
		if len(cacheRecords) > 0 {
			cfg.MaxCacheRecords = cacheRecords[0]
		}
		r, err := domains.New(domains.Config{MDNS: cfg, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		l.hosts = append(l.hosts, h)
		l.regs = append(l.regs, r)
	}
	t.Cleanup(func() {
		for _, r := range l.regs {
			r.Close()
		}
		for _, h := range l.hosts {
			h.Close()
		}
		l.link.Close()
	})
	return l
}

// greeter is a one-node service.
func greeter(id string, port int) *domains.Service {
	return &domains.Service{
		Name:      "greeter",
		Version:   "1.0.0",
		Endpoints: []*domains.Endpoint{{Name: "Greeter.Hello"}},
		Nodes:     []*domains.Node{{Id: id, Address: fmt.Sprintf(":%d", port), Metadata: map[string]string{"k": "v"}}},
	}
}

// site is a bridge from a link's registry to etcd, running until t ends.
type site struct {
	reg    *etcd.Registry
	bridge *Bridge
	stop   func()

	mu     sync.Mutex
	events []Event
}

func startSite(t *testing.T, srv *etcdtest.Server, name string, link *domains.Registry) *site {
	t.Helper()
	reg, err := etcd.New(etcd.Config{Endpoints: []string{srv.Endpoint}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	s := &site{reg: reg}
	s.bridge, err = New(Config{
		Target: reg, Site: name, Links: []Link{{Name: "eth0", Source: link}}, Logf: t.Logf,
		Events: func(e Event) {
			s.mu.Lock()
			s.events = append(s.events, e)
			s.mu.Unlock()
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		s.bridge.Run(ctx)
		close(done)
	}()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			<-done
			if err := reg.Close(); err != nil {
				t.Errorf("closing %s's registry: %v", name, err)
			}
		})
	}
	t.Cleanup(s.stop)
	return s
}

// waitEvent waits up to timeout for an event of action on node id.
func (s *site) waitEvent(action, id string, timeout time.Duration) (Event, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		for _, e := range s.events {
			if e.Action == action && e.Service.Nodes[0].Id == id {
				s.mu.Unlock()
				return e, true
			}
		}
		s.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	return Event{}, false
}

// view is the merged view at a site: its link's registry and etcd.
func view(t *testing.T, srv *etcdtest.Server, link *domains.Registry) (*domains.Merged, *etcd.Registry) {
	t.Helper()
	reg, err := etcd.New(etcd.Config{Endpoints: []string{srv.Endpoint}, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	m, err := domains.NewMerged(domains.MergedConfig{Logf: t.Logf, Sources: []domains.MergedSource{
		{Name: "mdns:eth0", Source: link},
		{Name: "etcd", Source: reg, Authoritative: true},
	}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		m.Close()
		reg.Close()
	})
	return m, reg
}

// summary renders merged nodes as "id@address [sources]", a "!" on stale
// copies.
func summary(ns []*domains.MergedNode) []string {
	var out []string
	for _, n := range ns {
		line := n.Service.Nodes[0].Id + "@" + n.Service.Nodes[0].Address + " ["
		for i, s := range n.Sources {
			if i > 0 {
				line += " "
			}
			line += s.Source
			if s.Stale {
				line += "!"
			}
		}
		out = append(out, line+"]")
	}
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// waitView polls the merged view until it shows want, in any order (true),
// or timeout.
func waitView(t *testing.T, m *domains.Merged, timeout time.Duration, want ...string) ([]string, bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got []string
	for {
		ns, err := m.Nodes(context.Background(), "", "greeter")
		if err != nil {
			t.Fatal(err)
		}
		got = summary(ns)
		// The view lists nodes in the order first seen, which depends on
		// which source answered first: compare as sets.
		if fmt.Sprint(sorted(got)) == fmt.Sprint(sorted(want)) {
			return got, true
		}
		if time.Now().After(deadline) {
			return got, false
		}
		time.Sleep(10 * time.Millisecond)
	}
}
