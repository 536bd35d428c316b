package interop

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	"go-micro.dev/v5/registry"
)

// The same measurement as the etcd module's TestBenchRegistryIdleWrites,
// with go-micro's own etcd registry: N nodes (1000) registered with TTL
// 90 s, then registered again every 30 s for MDNS_BENCH_IDLE (10 min).
//
//	MDNS_BENCH=1 go test -v -timeout 30m -run BenchGoMicroIdleWrites .
func TestBenchGoMicroIdleWrites(t *testing.T) {
	if os.Getenv("MDNS_BENCH") != "1" {
		t.Skip("a measurement: run with MDNS_BENCH=1")
	}
	n, idle := 1000, 10*time.Minute
	if d, err := time.ParseDuration(os.Getenv("MDNS_BENCH_IDLE")); err == nil {
		idle = d
	}
	srv := etcdtest.Start(t)
	gm := goMicro(t, srv)
	svc := samples()[0]
	svc.Name = "greeter"
	node := svc.Nodes[0]
	svc.Nodes = nil
	for i := range n {
		nd := *node
		nd.Id = fmt.Sprintf("greeter-%04d", i)
		nd.Address = fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1)
		svc.Nodes = append(svc.Nodes, &nd)
	}
	register := func() {
		if err := gm.Register(svc, registry.RegisterTTL(90*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	before := srv.Counters(t)
	start := time.Now()
	register()
	registered := srv.Counters(t)
	t.Logf("go-micro: %d nodes registered in %v; etcd counters:\n%s", n, time.Since(start).Round(time.Millisecond), etcdtest.Delta(before, registered))
	rounds := 0
	for end := time.Now().Add(idle); time.Now().Before(end); {
		time.Sleep(min(30*time.Second, time.Until(end)))
		if time.Now().Before(end) {
			register()
			rounds++
		}
	}
	after := srv.Counters(t)
	t.Logf("go-micro: then %v, registered again %d times unchanged; etcd counters:\n%s", idle, rounds, etcdtest.Delta(registered, after))
	if err := gm.Deregister(svc); err != nil {
		t.Error(err)
	}
}
