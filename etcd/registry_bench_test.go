package etcd

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
)

// etcd writes for N nodes (1000) registered with this registry, then
// registered again, unchanged, every 30 s (go-micro's RegisterInterval)
// for MDNS_BENCH_IDLE (10 minutes), TTL 90 s (go-micro's RegisterTTL).
// The same run with go-micro's own registry is in the interop module.
//
//	MDNS_BENCH=1 go test -v -timeout 30m -run BenchRegistryIdleWrites .
func TestBenchRegistryIdleWrites(t *testing.T) {
	if os.Getenv("MDNS_BENCH") != "1" {
		t.Skip("a measurement: run with MDNS_BENCH=1")
	}
	n, idle := 1000, 10*time.Minute
	if d, err := time.ParseDuration(os.Getenv("MDNS_BENCH_IDLE")); err == nil {
		idle = d
	}
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	ctx := context.Background()
	svc := &domains.Service{Name: "greeter", Version: "1.0.0", Endpoints: greeter("x", ":1", nil).Endpoints}
	for i := range n {
		svc.Nodes = append(svc.Nodes, &domains.Node{Id: fmt.Sprintf("greeter-%04d", i), Address: fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1)})
	}
	before := srv.Counters(t)
	start := time.Now()
	if err := r.Register(ctx, svc); err != nil {
		t.Fatal(err)
	}
	registered := srv.Counters(t)
	t.Logf("%d nodes registered in %v; etcd counters:\n%s", n, time.Since(start).Round(time.Millisecond), etcdtest.Delta(before, registered))
	rounds := 0
	for end := time.Now().Add(idle); time.Now().Before(end); {
		time.Sleep(min(30*time.Second, time.Until(end)))
		if time.Now().Before(end) {
			if err := r.Register(ctx, svc); err != nil {
				t.Fatal(err)
			}
			rounds++
		}
	}
	after := srv.Counters(t)
	t.Logf("then %v, registered again %d times unchanged; etcd counters:\n%s; registry %+v", idle, rounds, etcdtest.Delta(registered, after), r.Stats())
}
