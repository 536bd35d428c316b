package gomicro5

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"go-micro.dev/v5/registry"
)

// testNet is a simulated link with hosts h1..hN, each with a Registry.
// Closing everything at the end of the synctest bubble is the leak check:
// a goroutine left behind makes the bubble deadlock.
type testNet struct {
	link  *mdnstest.Link
	hosts []*mdnstest.Host
	regs  []*Registry
}

func newNet(t *testing.T, n int, cfg domains.Config, opts ...registry.Option) *testNet {
	t.Helper()
	tn := &testNet{link: mdnstest.NewLink(mdnstest.LinkConfig{})}
	for i := range n {
		h := tn.link.AddHost(fmt.Sprintf("h%d", i+1))
		c := cfg
		c.MDNS.Network = h
		c.MDNS.Rand = rand.New(rand.NewPCG(uint64(i+1), 15))
		c.Logf = t.Logf
		tn.hosts = append(tn.hosts, h)
		tn.regs = append(tn.regs, NewRegistry(append([]registry.Option{Config(c)}, opts...)...))
	}
	t.Cleanup(func() {
		for _, r := range tn.regs {
			if err := r.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		}
		for _, h := range tn.hosts {
			h.Close()
		}
		tn.link.Close()
	})
	return tn
}

var micro = domains.Config{Flavour: domains.Micro}

// greeter is a go-micro service as a go-micro rpc server registers it.
func greeter(id string, meta map[string]string) *registry.Service {
	return &registry.Service{
		Name:    "greeter",
		Version: "latest",
		Endpoints: []*registry.Endpoint{{
			Name:     "Greeter.Hello",
			Request:  &registry.Value{Name: "Request", Type: "Request", Values: []*registry.Value{{Name: "name", Type: "string"}}},
			Response: &registry.Value{Name: "Response", Type: "Response", Values: []*registry.Value{{Name: "msg", Type: "string"}}},
			Metadata: map[string]string{},
		}},
		Nodes: []*registry.Node{{Id: id, Address: "10.0.0.1:9090", Metadata: meta}},
	}
}

// results reads a watcher in the background, noting when each result came.
type results struct {
	mu   sync.Mutex
	got  []string
	at   []time.Time
	last error
	done chan struct{}
}

func readAll(w registry.Watcher) *results {
	rs := &results{done: make(chan struct{})}
	go func() {
		defer close(rs.done)
		for {
			res, err := w.Next()
			rs.mu.Lock()
			if err != nil {
				rs.last = err
				rs.mu.Unlock()
				return
			}
			n := res.Service.Nodes[0]
			rs.got = append(rs.got, fmt.Sprintf("%s %s %s %v", res.Action, n.Id, n.Address, n.Metadata))
			rs.at = append(rs.at, time.Now())
			rs.mu.Unlock()
		}
	}()
	return rs
}

func (rs *results) take() ([]string, []time.Time) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	got, at := rs.got, rs.at
	rs.got, rs.at = nil, nil
	return got, at
}

func watchService(t *testing.T, r *Registry, name string, opts ...registry.WatchOption) (registry.Watcher, *results) {
	t.Helper()
	w, err := r.Watch(append([]registry.WatchOption{registry.WatchService(name)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	rs := readAll(w)
	t.Cleanup(func() {
		w.Stop()
		<-rs.done
	})
	return w, rs
}

// A service registered through one host's registry is read back by
// another's, endpoints and metadata intact; a second registration with new
// metadata is an update, a deregistration a delete.
func TestRegisterGetWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, micro)
		_, rs := watchService(t, tn.regs[1], "greeter")
		svc := greeter("greeter-1", map[string]string{"v": "1"})
		if err := tn.regs[0].Register(svc, registry.RegisterTTL(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := tn.regs[1].GetService("greeter")
		if err != nil {
			t.Fatal(err)
		}
		want := greeter("greeter-1", map[string]string{"v": "1"})
		// Addresses read are the publishing host's own (RFC 6762 §6.2).
		want.Nodes[0].Address = got[0].Nodes[0].Address
		if len(got) != 1 || !reflect.DeepEqual(got[0], want) {
			t.Errorf("GetService = %s\nwant %s", show(got), show([]*registry.Service{want}))
		}
		list, err := tn.regs[1].ListServices()
		if err != nil || !slices.ContainsFunc(list, func(s *registry.Service) bool { return s.Name == "greeter" }) {
			t.Errorf("ListServices = %s, %v", show(list), err)
		}
		mdnstest.Advance(2 * time.Second)
		addr := got[0].Nodes[0].Address
		if evs, _ := rs.take(); !slices.Equal(evs, []string{"create greeter-1 " + addr + " map[v:1]"}) {
			t.Errorf("watch after Register: %q", evs)
		}

		svc.Nodes[0].Metadata = map[string]string{"v": "2"}
		if err := tn.regs[0].Register(svc); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(2 * time.Second)
		if evs, _ := rs.take(); !slices.Equal(evs, []string{"update greeter-1 " + addr + " map[v:2]"}) {
			t.Errorf("watch after re-Register: %q", evs)
		}

		if err := tn.regs[0].Deregister(svc); err != nil {
			t.Fatal(err)
		}
		bye := time.Now()
		mdnstest.Advance(2 * time.Second)
		evs, at := rs.take()
		if !slices.Equal(evs, []string{"delete greeter-1 " + addr + " map[v:2]"}) {
			t.Fatalf("watch after Deregister: %q", evs)
		}
		// RFC 6762 §10.1: a goodbye removes the record one second later.
		if d := at[0].Sub(bye); d > 1500*time.Millisecond {
			t.Errorf("delete came %v after the goodbye", d)
		}
		if _, err := tn.regs[1].GetService("greeter"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("GetService after Deregister: %v, want registry.ErrNotFound", err)
		}
	})
}

// A node whose host crashes (no goodbye) is deleted within its
// registration TTL, which go-micro's stock registry never does.
func TestCrashedNodeDeletedWithinTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, micro)
		_, rs := watchService(t, tn.regs[1], "greeter")
		const ttl = 5 * time.Second
		if err := tn.regs[0].Register(greeter("greeter-1", nil), registry.RegisterTTL(ttl)); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(30 * time.Second) // refreshed past several TTLs
		if evs, _ := rs.take(); len(evs) != 1 {
			t.Fatalf("watch before the crash: %q", evs)
		}
		tn.link.SetFaults(mdnstest.Faults{Hook: func(p *mdnstest.Packet) mdnstest.Verdict {
			if p.Host == "h1" {
				return mdnstest.Drop
			}
			return mdnstest.Deliver
		}})
		crash := time.Now()
		mdnstest.Advance(2 * ttl)
		evs, at := rs.take()
		if len(evs) != 1 || evs[0][:len("delete greeter-1")] != "delete greeter-1" {
			t.Fatalf("watch after the crash: %q", evs)
		}
		d := at[0].Sub(crash)
		if d > ttl {
			t.Errorf("delete came %v after the crash; the registration TTL is %v", d, ttl)
		}
		t.Logf("delete %v after the crash (virtual clock), TTL %v", d, ttl)
	})
}

// go-micro's ids for dotted service names have dots, which the micro
// flavour cannot publish in one label: they are mapped, on Register and
// Deregister alike.
func TestDottedNodeID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, micro)
		const name = "go.micro.srv.greeter"
		id := name + "-1b4e28ba-2fa1-11d2-883f-0016d3cca427"
		svc := greeter(id, nil)
		svc.Name = name
		if err := tn.regs[0].Register(svc); err != nil {
			t.Fatal(err)
		}
		got, err := tn.regs[1].GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if want := "go-micro-srv-greeter-1b4e28ba-2fa1-11d2-883f-0016d3cca427"; got[0].Nodes[0].Id != want {
			t.Errorf("node id read %q, want %q", got[0].Nodes[0].Id, want)
		}
		_, rs := watchService(t, tn.regs[1], name)
		mdnstest.Advance(time.Second)
		rs.take()
		if err := tn.regs[0].Deregister(svc); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(2 * time.Second)
		if evs, _ := rs.take(); len(evs) != 1 || evs[0][:6] != "delete" {
			t.Errorf("after Deregister with the original id: %q", evs)
		}
	})
}

// Domains: the registry-wide Domain option (go-micro's "mdns.domain" key),
// a per-call InDomain, and the global mirror, whose nodes carry their
// origin in Metadata["domain"].
func TestDomains(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, micro, Domain("dev"))
		ctx := context.Background()
		if err := tn.regs[0].Register(greeter("greeter-dev", nil)); err != nil {
			t.Fatal(err)
		}
		if err := tn.regs[0].Register(greeter("greeter-prod", nil), registry.RegisterContext(InDomain(ctx, "prod"))); err != nil {
			t.Fatal(err)
		}
		ids := func(opts ...registry.GetOption) []string {
			svcs, err := tn.regs[1].GetService("greeter", opts...)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range svcs {
				for _, n := range s.Nodes {
					out = append(out, n.Id+"@"+n.Metadata["domain"])
				}
			}
			slices.Sort(out)
			return out
		}
		if got := ids(); !slices.Equal(got, []string{"greeter-dev@"}) {
			t.Errorf("default domain dev: %q", got)
		}
		if got := ids(registry.GetContext(InDomain(ctx, "prod"))); !slices.Equal(got, []string{"greeter-prod@"}) {
			t.Errorf("domain prod: %q", got)
		}
		if got := ids(registry.GetContext(InDomain(ctx, "global"))); !slices.Equal(got, []string{"greeter-dev@dev", "greeter-prod@prod"}) {
			t.Errorf("global domain: %q", got)
		}
		if err := tn.regs[0].Deregister(greeter("greeter-prod", nil), registry.DeregisterContext(InDomain(ctx, "prod"))); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(2 * time.Second)
		if got := ids(registry.GetContext(InDomain(ctx, "global"))); !slices.Equal(got, []string{"greeter-dev@dev"}) {
			t.Errorf("global domain after Deregister from prod: %q", got)
		}
	})
}

// Close stops every watcher and joins its goroutines (the bubble would
// deadlock otherwise); later calls fail with domains.ErrClosed.
func TestCloseAndStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 1, micro)
		r := tn.regs[0]
		w1, err := r.Watch()
		if err != nil {
			t.Fatal(err)
		}
		w2, err := r.Watch(registry.WatchService("greeter"))
		if err != nil {
			t.Fatal(err)
		}
		w1.Stop()
		w1.Stop()
		synctest.Wait()
		if g := goroutines("github.com/mdnskit/mdnskit/adapters/gomicro5.(*watcher)"); len(g) != 1 {
			t.Errorf("%d watcher goroutines after one of two watchers stopped:\n%s", len(g), strings.Join(g, "\n"))
		}
		if _, err := w1.Next(); !errors.Is(err, registry.ErrWatcherStopped) {
			t.Errorf("Next after Stop: %v", err)
		}
		if err := r.Init(Config(micro)); !errors.Is(err, ErrConfigInUse) {
			t.Errorf("Init(Config) in use: %v", err)
		}
		if err := r.Init(registry.Timeout(time.Second)); err != nil {
			t.Errorf("Init(Timeout) in use: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		for _, fn := range []string{"github.com/mdnskit/mdnskit/adapters/gomicro5.", "github.com/mdnskit/mdnskit/domains.", "github.com/mdnskit/mdnskit/mdns."} {
			if g := goroutines(fn); len(g) != 0 {
				t.Errorf("goroutines left after Close:\n%s", strings.Join(g, "\n"))
			}
		}
		if _, err := w2.Next(); !errors.Is(err, registry.ErrWatcherStopped) {
			t.Errorf("Next after Close: %v", err)
		}
		if _, err := r.GetService("greeter"); !errors.Is(err, domains.ErrClosed) {
			t.Errorf("GetService after Close: %v", err)
		}
		if _, err := r.Watch(); !errors.Is(err, domains.ErrClosed) {
			t.Errorf("Watch after Close: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
}

// registry.Timeout bounds a call: a first read waits at least 0.5 s for
// the link, so 100 ms is too short for it, and ends in the deadline; a
// RegisterTTL under the 1 s domains accepts is raised to it.
func TestTimeoutAndTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, micro, registry.Timeout(100*time.Millisecond))
		start := time.Now()
		if _, err := tn.regs[1].GetService("greeter"); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("first GetService with a 100ms Timeout: %v, want the deadline", err)
		}
		if d := time.Since(start); d != 100*time.Millisecond {
			t.Errorf("it returned after %v", d)
		}
		if err := tn.regs[1].Init(registry.Timeout(0)); err != nil { // back to the default
			t.Fatal(err)
		}
		if _, err := tn.regs[1].GetService("greeter"); !errors.Is(err, registry.ErrNotFound) {
			t.Errorf("GetService with the default Timeout: %v, want registry.ErrNotFound", err)
		}
		if err := tn.regs[0].Register(greeter("greeter-1", nil), registry.RegisterTTL(10*time.Millisecond)); err == nil {
			t.Error("Register with a 100ms Timeout succeeded: probing takes 0.75 s")
		}
		if err := tn.regs[0].Init(registry.Timeout(0)); err != nil {
			t.Fatal(err)
		}
		if err := tn.regs[0].Register(greeter("greeter-1", nil), registry.RegisterTTL(10*time.Millisecond)); err != nil {
			t.Errorf("Register with RegisterTTL 10ms: %v", err)
		}
		if err := tn.regs[0].Register(nil); !errors.Is(err, errNilService) {
			t.Errorf("Register(nil): %v", err)
		}
	})
}

// A registry never used opens nothing, and its Close has nothing to do.
func TestUnusedRegistry(t *testing.T) {
	r := NewRegistry(Config(domains.Config{Flavour: domains.Micro, MDNS: mdns.Config{Network: mdnstest.NewHost(mdnstest.HostConfig{})}}))
	if err := r.Deregister(greeter("x", nil)); err != nil {
		t.Errorf("Deregister before use: %v", err)
	}
	if r.opened() {
		t.Error("Deregister opened the registry")
	}
	if err := r.Close(); err != nil {
		t.Error(err)
	}
	if r.String() != "mdnskit" {
		t.Errorf("String() = %q", r.String())
	}
}

// go-micro's model survives the trip through domains' and back, nil and
// empty kept apart.
func TestConvertRoundTrip(t *testing.T) {
	s := greeter("greeter-1", map[string]string{"a": "b"})
	s.Metadata = map[string]string{"svc": "meta"}
	s.Endpoints = append(s.Endpoints, nil, &registry.Endpoint{Name: "Sub", Metadata: map[string]string{"topic": "t"}})
	got := fromDomains(toDomains(s, domains.Micro), "micro")
	if !reflect.DeepEqual(got, s) {
		t.Errorf("round trip:\n got %s\nwant %s", show([]*registry.Service{got}), show([]*registry.Service{s}))
	}
}

func show(svcs []*registry.Service) string {
	var out []string
	for _, s := range svcs {
		out = append(out, fmt.Sprintf("%+v", *s))
		for _, n := range s.Nodes {
			out = append(out, fmt.Sprintf("  node %+v", *n))
		}
		for _, e := range s.Endpoints {
			if e != nil {
				out = append(out, fmt.Sprintf("  endpoint %+v req %+v rsp %+v", *e, e.Request, e.Response))
			}
		}
	}
	return fmt.Sprint(out)
}

// goroutines lists the goroutines running a function whose name starts
// with fn, other than the test's own: the leak check.
func goroutines(fn string) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "\n"+fn) && !strings.Contains(g, ".TestCloseAndStop") {
			out = append(out, g)
		}
	}
	return out
}
