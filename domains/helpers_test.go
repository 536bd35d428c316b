package domains

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// testNet is a link with hosts h1..hN, each with a Registry.
type testNet struct {
	t     *testing.T
	link  *mdnstest.Link
	hosts []*mdnstest.Host
	regs  []*Registry
}

// newNet builds n hosts on one link (IPv4 and IPv6) with a Registry each,
// configured by cfg; it runs inside a synctest bubble.
func newNet(t *testing.T, n int, cfg Config) *testNet {
	t.Helper()
	tn := &testNet{t: t, link: mdnstest.NewLink(mdnstest.LinkConfig{})}
	for i := range n {
		h := tn.link.AddHost("h" + string(rune('1'+i)))
		tn.hosts = append(tn.hosts, h)
		c := cfg
		c.MDNS.Network = h
		c.MDNS.Rand = rand.New(rand.NewPCG(uint64(i+1), 7))
		c.Logf = t.Logf
		r, err := New(c)
		if err != nil {
			t.Fatal(err)
		}
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

// greeter is a service with one node, in go-micro's style.
func greeter(id string, port int, meta map[string]string) *Service {
	return &Service{
		Name:    "greeter",
		Version: "1.0.0",
		Endpoints: []*Endpoint{{
			Name:     "Greeter.Hello",
			Request:  &Value{Name: "Request", Type: "Request", Values: []*Value{{Name: "name", Type: "string"}}},
			Response: &Value{Name: "Response", Type: "Response", Values: []*Value{{Name: "msg", Type: "string"}}},
			Metadata: map[string]string{},
		}},
		Nodes: []*Node{{Id: id, Address: "10.0.0.1:" + itoa(port), Metadata: meta}},
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{byte('0' + i%10)}, b...)
	}
	return string(b)
}

func mustRegister(t *testing.T, r *Registry, s *Service, opts ...RegisterOption) {
	t.Helper()
	mustRegisterIn(t, r, "", s, opts...)
}

func mustRegisterIn(t *testing.T, r *Registry, domain string, s *Service, opts ...RegisterOption) {
	t.Helper()
	if err := r.Register(context.Background(), domain, s, opts...); err != nil {
		t.Fatalf("Register(%s): %v", s.Nodes[0].Id, err)
	}
}

func mustGet(t *testing.T, r *Registry, name, domain string) []*Service {
	t.Helper()
	svcs, err := r.GetService(context.Background(), domain, name)
	if err != nil {
		t.Fatalf("GetService(%q, %q): %v", name, domain, err)
	}
	return svcs
}

// nodeSummary renders a service's nodes as "id@address[domain]{k=v,...}",
// sorted, for comparisons.
func nodeSummary(svcs []*Service) []string {
	var out []string
	for _, s := range svcs {
		for _, n := range s.Nodes {
			var kv []string
			for k, v := range n.Metadata {
				kv = append(kv, k+"="+v)
			}
			slices.Sort(kv)
			out = append(out, s.Name+"/"+s.Version+" "+n.Id+"@"+n.Address+"["+n.Domain+"]{"+strings.Join(kv, ",")+"}")
		}
	}
	slices.Sort(out)
	return out
}

// recorder collects Watch results in the background.
type recorder struct {
	mu     sync.Mutex
	res    []Result
	at     []time.Time
	cancel context.CancelFunc
	done   chan error
}

func watch(t *testing.T, r *Registry, domain, service string) *recorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{cancel: cancel, done: make(chan error, 1)}
	go func() {
		rec.done <- r.Watch(ctx, domain, service, func(res Result) error {
			rec.mu.Lock()
			rec.res = append(rec.res, res)
			rec.at = append(rec.at, time.Now())
			rec.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-rec.done
	})
	return rec
}

// events renders the results so far as "action id" lines and forgets them.
func (rec *recorder) take() []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, r := range rec.res {
		out = append(out, r.Action+" "+r.Service.Nodes[0].Id)
	}
	rec.res, rec.at = nil, nil
	return out
}

func (rec *recorder) results() []Result {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.res)
}
