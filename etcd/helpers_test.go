package etcd

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// leakChecked holds the tests whose end checks for leaked goroutines.
var leakChecked sync.Map

// newReg returns a Registry on srv, closed when t ends; once every
// Registry of t is closed, t checks that none left a goroutine behind.
func newReg(t *testing.T, srv *etcdtest.Server, cfg Config) *Registry {
	t.Helper()
	if _, done := leakChecked.LoadOrStore(t, true); !done {
		t.Cleanup(func() { noLeaks(t) }) // runs after the Closes below
	}
	cfg.Endpoints = []string{srv.Endpoint}
	cfg.Logf = t.Logf
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

// noLeaks fails t if a goroutine of this package outlives every Close.
func noLeaks(t *testing.T) {
	t.Helper()
	var stacks string
	for range 50 {
		buf := make([]byte, 1<<20)
		stacks = string(buf[:runtime.Stack(buf, true)])
		leaked := false
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "mdnskit/etcd.(*Registry)") || strings.Contains(g, "mdnskit/etcd.(*watchRun)") {
				leaked = true
			}
		}
		if !leaked {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("goroutines left after Close:\n%s", stacks)
}

// rawClient is a plain etcd client, for looking behind the Registry.
func rawClient(t *testing.T, srv *etcdtest.Server) *clientv3.Client {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint}, DialTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close() })
	return cli
}

// keys returns the keys and values under the prefix.
func keys(t *testing.T, cli *clientv3.Client) map[string]string {
	t.Helper()
	resp, err := cli.Get(context.Background(), DefaultPrefix, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, kv := range resp.Kvs {
		out[string(kv.Key)] = string(kv.Value)
	}
	return out
}

func revision(t *testing.T, cli *clientv3.Client) int64 {
	t.Helper()
	resp, err := cli.Get(context.Background(), "/")
	if err != nil {
		t.Fatal(err)
	}
	return resp.Header.Revision
}

// greeter is a one-node service in go-micro's style.
func greeter(id, addr string, meta map[string]string) *domains.Service {
	return &domains.Service{
		Name:    "greeter",
		Version: "1.0.0",
		Endpoints: []*domains.Endpoint{{
			Name:     "Greeter.Hello",
			Request:  &domains.Value{Name: "Request", Type: "Request", Values: []*domains.Value{{Name: "name", Type: "string"}}},
			Response: &domains.Value{Name: "Response", Type: "Response", Values: []*domains.Value{{Name: "msg", Type: "string"}}},
		}},
		Nodes: []*domains.Node{{Id: id, Address: addr, Metadata: meta}},
	}
}

func mustRegister(t *testing.T, r *Registry, s *domains.Service, opts ...domains.RegisterOption) {
	t.Helper()
	mustRegisterIn(t, r, "", s, opts...)
}

func mustRegisterIn(t *testing.T, r *Registry, domain string, s *domains.Service, opts ...domains.RegisterOption) {
	t.Helper()
	if err := r.Register(context.Background(), domain, s, opts...); err != nil {
		t.Fatalf("Register(%s): %v", s.Nodes[0].Id, err)
	}
}

// summary renders services as "name/version id@address[domain]{k=v}",
// sorted.
func summary(svcs []*domains.Service) []string {
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
	mu   sync.Mutex
	res  []string
	done chan error
}

func watch(t *testing.T, r *Registry, domain, service string) (*recorder, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{done: make(chan error, 1)}
	go func() {
		rec.done <- r.Watch(ctx, domain, service, func(res domains.Result) error {
			n := res.Service.Nodes[0]
			rec.mu.Lock()
			rec.res = append(rec.res, res.Action+" "+res.Service.Name+"/"+res.Service.Version+" "+n.Id+"@"+n.Address+"["+n.Domain+"]")
			rec.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-rec.done
	})
	return rec, cancel
}

// wait polls until the recorder holds n results (or 5 s pass) and takes
// them.
func (rec *recorder) wait(t *testing.T, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		rec.mu.Lock()
		if len(rec.res) >= n || time.Now().After(deadline) {
			out := rec.res
			rec.res = nil
			rec.mu.Unlock()
			return out
		}
		rec.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
}
