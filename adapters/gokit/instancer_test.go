package gokit

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/sd/lb"
	"github.com/go-kit/log"
	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// testNet is a simulated link with hosts h1..hN, each with a domains
// Registry (DNS-SD flavour). Everything is closed at the end of the
// synctest bubble, which deadlocks if a goroutine is left: the leak check.
type testNet struct {
	link  *mdnstest.Link
	hosts []*mdnstest.Host
	regs  []*domains.Registry
}

func newNet(t *testing.T, cfgs ...domains.Config) *testNet {
	t.Helper()
	tn := &testNet{link: mdnstest.NewLink(mdnstest.LinkConfig{})}
	for i, cfg := range cfgs {
		h := tn.link.AddHost(fmt.Sprintf("h%d", i+1))
		cfg.MDNS.Network = h
		cfg.MDNS.Rand = rand.New(rand.NewPCG(uint64(i+1), 15))
		cfg.Logf = t.Logf
		r, err := domains.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tn.hosts = append(tn.hosts, h)
		tn.regs = append(tn.regs, r)
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

func hosts(n int) []domains.Config { return make([]domains.Config, n) }

func echo(id string, port int) *domains.Service {
	return &domains.Service{Name: "echo", Version: "1", Nodes: []*domains.Node{{Id: id, Address: fmt.Sprintf(":%d", port)}}}
}

// testLogger records what the adapters log.
type testLogger struct {
	t     *testing.T
	mu    sync.Mutex
	lines []string
}

func (l *testLogger) Log(kv ...any) error {
	line := strings.TrimSpace(fmt.Sprintln(kv...))
	l.t.Log(line)
	l.mu.Lock()
	l.lines = append(l.lines, line)
	l.mu.Unlock()
	return nil
}

func (l *testLogger) has(substr string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.lines, func(s string) bool { return strings.Contains(s, substr) })
}

// subscribe registers a channel with a reader that keeps every event, and
// checks that Register sent the first one before returning.
type events struct {
	mu  sync.Mutex
	evs []sd.Event
	at  []time.Time
}

func subscribe(t *testing.T, i *Instancer) (*events, chan sd.Event) {
	t.Helper()
	ch := make(chan sd.Event)
	es := &events{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ev := range ch {
			es.mu.Lock()
			es.evs = append(es.evs, ev)
			es.at = append(es.at, time.Now())
			es.mu.Unlock()
		}
	}()
	i.Register(ch)
	if es.len() == 0 {
		synctest.Wait() // the reader may not have stored it yet
	}
	if es.len() == 0 {
		t.Fatal("Register returned before sending the current instances")
	}
	t.Cleanup(func() {
		i.Deregister(ch)
		close(ch)
		<-done
	})
	return es, ch
}

func (es *events) len() int {
	es.mu.Lock()
	defer es.mu.Unlock()
	return len(es.evs)
}

func (es *events) last() (sd.Event, time.Time) {
	es.mu.Lock()
	defer es.mu.Unlock()
	return es.evs[len(es.evs)-1], es.at[len(es.at)-1]
}

// An Instancer on h4 follows three nodes on h1..h3: the first view is
// complete as NewInstancer returns, sorted host:port strings; a goodbye
// removes a node about a second later; a node gone silent (crashed)
// within its TTL.
func TestInstancerFollowsTheLink(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(4)...)
		for i := range 3 {
			if err := tn.regs[i].Register(context.Background(), "", echo(fmt.Sprintf("n%d", i+1), 8001+i), domains.WithTTL(5*time.Second)); err != nil {
				t.Fatal(err)
			}
		}
		logger := &testLogger{t: t}
		inst := NewInstancer(tn.regs[3], logger, "echo")
		defer inst.Stop()
		es, _ := subscribe(t, inst)
		ev, _ := es.last()
		want := []string{"10.0.0.1:8001", "10.0.0.2:8002", "10.0.0.3:8003"}
		if ev.Err != nil || !slices.Equal(ev.Instances, want) {
			t.Fatalf("first event %+v, want %q", ev, want)
		}

		if err := tn.regs[1].Deregister(context.Background(), "", echo("n2", 8002)); err != nil {
			t.Fatal(err)
		}
		bye := time.Now()
		mdnstest.Advance(2 * time.Second)
		ev, at := es.last()
		if !slices.Equal(ev.Instances, []string{"10.0.0.1:8001", "10.0.0.3:8003"}) {
			t.Fatalf("after n2's goodbye: %+v", ev)
		}
		if d := at.Sub(bye); d > 1500*time.Millisecond {
			t.Errorf("n2 left the instances %v after its goodbye", d)
		}

		tn.link.SetFaults(mdnstest.Faults{Hook: func(p *mdnstest.Packet) mdnstest.Verdict {
			if p.Host == "h3" {
				return mdnstest.Drop
			}
			return mdnstest.Deliver
		}})
		crash := time.Now()
		mdnstest.Advance(10 * time.Second)
		ev, at = es.last()
		if !slices.Equal(ev.Instances, []string{"10.0.0.1:8001"}) {
			t.Fatalf("after h3 went silent: %+v", ev)
		}
		if d := at.Sub(crash); d > 5*time.Second {
			t.Errorf("n3 left the instances %v after h3 went silent; its TTL is 5s", d)
		}
		if n := es.len(); n != 3 {
			t.Errorf("%d events, want 3 (one per change)", n)
		}
		if logger.has("err") {
			t.Errorf("errors logged: %q", logger.lines)
		}
	})
}

// An IPv6-only node is "[addr]:port", as net.JoinHostPort writes it (the
// polling mDNS instancer for go-kit wrote "addr:port", which no dialer
// takes).
func TestInstancesIPv6InBrackets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(1)...)
		h := mdnstest.NewHost(mdnstest.HostConfig{Name: "v6only"})
		if _, err := h.AddInterface(tn.link, mdnstest.InterfaceConfig{Prefixes: []netip.Prefix{
			netip.MustParsePrefix("fd00::99/64"), netip.MustParsePrefix("fe80::99/64")}}); err != nil {
			t.Fatal(err)
		}
		r, err := domains.New(domains.Config{MDNS: mdns.Config{Network: h}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			r.Close()
			h.Close()
		})
		if err := r.Register(context.Background(), "", echo("v6", 8080)); err != nil {
			t.Fatal(err)
		}
		inst := NewInstancer(tn.regs[0], nil, "echo")
		defer inst.Stop()
		es, _ := subscribe(t, inst)
		if ev, _ := es.last(); !slices.Equal(ev.Instances, []string{"[fd00::99]:8080"}) {
			t.Errorf("instances %q, want [fd00::99]:8080", ev.Instances)
		}
	})
}

func TestInstanceFormat(t *testing.T) {
	for addr, want := range map[string]string{
		"10.0.0.1:80":         "10.0.0.1:80",
		"[fd00::1]:80":        "[fd00::1]:80",
		"[fe80::1%eth0]:8080": "[fe80::1%eth0]:8080",
		"host.example:443":    "host.example:443",
		"10.0.0.1":            "",
		":80":                 "",
		"[fd00::1]:":          "",
	} {
		got, ok := instance(addr)
		if got != want || ok != (want != "") {
			t.Errorf("instance(%q) = %q, %v; want %q", addr, got, ok, want)
		}
	}
}

// Node addresses come from other hosts (mDNS) or a shared store (etcd):
// whatever they hold, instance never panics, and what it accepts is a
// host:port that splits and joins back to itself.
func FuzzInstance(f *testing.F) {
	for _, seed := range []string{"10.0.0.1:80", "[fd00::1]:80", "[fe80::1%eth0]:8080", "host:443", "[::1", "a:b:c", ":"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, addr string) {
		got, ok := instance(addr)
		if !ok {
			return
		}
		host, port, err := net.SplitHostPort(got)
		if err != nil || host == "" || port == "" || net.JoinHostPort(host, port) != got {
			t.Errorf("instance(%q) = %q, which does not split and join back (%q, %q, %v)", addr, got, host, port, err)
		}
	})
}

// go-kit's own chain over the Instancer: sd.NewEndpointer and a round
// robin balancer spread calls evenly over every instance.
func TestEndpointerRoundRobin(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(4)...)
		for i := range 3 {
			if err := tn.regs[i].Register(context.Background(), "", echo(fmt.Sprintf("n%d", i+1), 9000)); err != nil {
				t.Fatal(err)
			}
		}
		inst := NewInstancer(tn.regs[3], nil, "echo")
		defer inst.Stop()
		factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
			return func(context.Context, any) (any, error) { return instance, nil }, nil, nil
		}
		e := sd.NewEndpointer(inst, factory, log.NewNopLogger())
		defer e.Close()
		// go-kit's endpointer takes the instancer's state in a goroutine
		// of its own: let it run before the first call.
		synctest.Wait()
		balancer := lb.NewRoundRobin(e)
		counts := map[string]int{}
		for range 30 {
			ep, err := balancer.Endpoint()
			if err != nil {
				t.Fatal(err)
			}
			got, _ := ep(context.Background(), nil)
			counts[got.(string)]++
		}
		if len(counts) != 3 || counts["10.0.0.1:9000"] != 10 || counts["10.0.0.2:9000"] != 10 || counts["10.0.0.3:9000"] != 10 {
			t.Errorf("calls per instance: %v, want 10 each on 3", counts)
		}
	})
}

// A subscriber that stops reading holds up nobody: the others get every
// change, and Deregister returns even while its goroutine is blocked
// sending to it.
func TestSlowSubscriber(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(2)...)
		inst := NewInstancer(tn.regs[1], nil, "echo")
		defer inst.Stop()
		stuck := make(chan sd.Event, 1) // takes the first event, then nobody reads
		inst.Register(stuck)
		es, _ := subscribe(t, inst)
		for i := range 3 {
			if err := tn.regs[0].Register(context.Background(), "", echo(fmt.Sprintf("n%d", i), 7000+i)); err != nil {
				t.Fatal(err)
			}
			mdnstest.Advance(time.Second)
			if ev, _ := es.last(); len(ev.Instances) != i+1 {
				t.Fatalf("the reading subscriber has %q after %d registrations", ev.Instances, i+1)
			}
		}
		inst.Deregister(stuck) // ends its goroutine, blocked sending
		synctest.Wait()
		if g := goroutines("(*Instancer).deliver"); len(g) != 1 {
			t.Errorf("after Deregister of one of two subscribers, %d delivering goroutines:\n%s", len(g), strings.Join(g, "\n"))
		}
		if ev := <-stuck; len(ev.Instances) != 0 {
			t.Errorf("the stuck subscriber's first event: %q, want none", ev.Instances)
		}
	})
}

// errDown is the failure of a flaky registry.
var errDown = errors.New("registry down")

// flaky is a Registry whose reads and watches fail while it is down.
type flaky struct {
	*domains.Registry
	mu   sync.Mutex
	down bool
	kill chan struct{} // closed when it goes down: running watches fail
}

func newFlaky(r *domains.Registry) *flaky { return &flaky{Registry: r, kill: make(chan struct{})} }

func (f *flaky) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if down && !f.down {
		close(f.kill)
	}
	if !down && f.down {
		f.kill = make(chan struct{})
	}
	f.down = down
}

func (f *flaky) state() (bool, chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.down, f.kill
}

func (f *flaky) GetService(ctx context.Context, domain, name string) ([]*domains.Service, error) {
	if down, _ := f.state(); down {
		return nil, errDown
	}
	return f.Registry.GetService(ctx, domain, name)
}

func (f *flaky) Watch(ctx context.Context, domain, service string, fn func(domains.Result) error) error {
	down, kill := f.state()
	if down {
		return errDown
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-kill:
			cancel()
		case <-ctx.Done():
		}
	}()
	err := f.Registry.Watch(ctx, domain, service, fn)
	select {
	case <-kill:
		return errDown
	default:
		return err
	}
}

// During an outage the subscribers registered before get the error, one
// registering during it gets the last known instances; when the registry
// answers again, nodes that left meanwhile are gone and the error clears.
func TestOutage(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(3)...)
		for i := range 2 {
			if err := tn.regs[i].Register(context.Background(), "", echo(fmt.Sprintf("n%d", i+1), 8001+i)); err != nil {
				t.Fatal(err)
			}
		}
		reg := newFlaky(tn.regs[2])
		logger := &testLogger{t: t}
		inst := NewInstancer(reg, logger, "echo")
		defer inst.Stop()
		before, _ := subscribe(t, inst)
		both := []string{"10.0.0.1:8001", "10.0.0.2:8002"}
		if ev, _ := before.last(); !slices.Equal(ev.Instances, both) {
			t.Fatalf("first event %+v", ev)
		}

		reg.setDown(true)
		mdnstest.Advance(time.Second)
		if ev, _ := before.last(); !errors.Is(ev.Err, errDown) {
			t.Fatalf("subscriber during the outage got %+v, want the error", ev)
		}
		during, _ := subscribe(t, inst)
		if ev, _ := during.last(); ev.Err != nil || !slices.Equal(ev.Instances, both) {
			t.Errorf("subscriber joining during the outage got %+v, want %q", ev, both)
		}
		// n2 leaves while the Instancer cannot see it.
		if err := tn.regs[1].Deregister(context.Background(), "", echo("n2", 8002)); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(5 * time.Second)

		reg.setDown(false)
		mdnstest.Advance(2 * time.Minute) // backoff is at most a minute
		for name, es := range map[string]*events{"registered before": before, "registered during": during} {
			if ev, _ := es.last(); ev.Err != nil || !slices.Equal(ev.Instances, []string{"10.0.0.1:8001"}) {
				t.Errorf("subscriber %s the outage, after it: %+v, want n1 only", name, ev)
			}
		}
		if !logger.has("registry down") || !logger.has("registry answers again") {
			t.Errorf("log: %q", logger.lines)
		}
	})
}

// Stop joins every goroutine (the bubble would deadlock otherwise); after
// it Register still sends the last state, Deregister does nothing.
func TestStop(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(2)...)
		if err := tn.regs[0].Register(context.Background(), "", echo("n1", 8001)); err != nil {
			t.Fatal(err)
		}
		inst := NewInstancer(tn.regs[1], nil, "echo")
		ch := make(chan sd.Event) // never read after the first event
		go func() { <-ch }()
		inst.Register(ch)
		inst.Stop()
		inst.Stop()
		synctest.Wait()
		if g := goroutines("(*Instancer)"); len(g) != 0 {
			t.Errorf("goroutines left after Stop:\n%s", strings.Join(g, "\n"))
		}
		late := make(chan sd.Event, 1)
		inst.Register(late)
		if ev := <-late; !slices.Equal(ev.Instances, []string{"10.0.0.1:8001"}) {
			t.Errorf("Register after Stop: %+v", ev)
		}
		inst.Deregister(late)
		inst.Deregister(ch)
	})
}

// A name the registry refuses is not retried forever.
func TestInvalidServiceIsNotRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(1)...)
		logger := &testLogger{t: t}
		inst := NewInstancer(tn.regs[0], logger, "")
		defer inst.Stop()
		es, _ := subscribe(t, inst)
		if ev, _ := es.last(); !errors.Is(ev.Err, domains.ErrInvalidService) {
			t.Errorf("event %+v, want domains.ErrInvalidService", ev)
		}
		select {
		case <-inst.done:
		default:
			t.Error("the Instancer still retries a refused name")
		}
	})
}

// goroutines lists the goroutines running a function of this package
// whose name starts with fn, e.g. "(*Instancer).deliver": the leak check.
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
		if strings.Contains(g, "github.com/mdnskit/mdnskit/adapters/gokit."+fn) {
			out = append(out, g)
		}
	}
	return out
}
