package interop

import (
	"fmt"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	"go-micro.dev/v5/registry"
)

// The etcd module's TestBenchRegistryIdleWrites with go-micro's own etcd
// registry: 1000 nodes registered with TTL 90 s, then registered again
// every 30 s for MDNS_BENCH_IDLE (10 minutes).
//
//	MDNS_BENCH=1 go test -v -timeout 30m -run BenchGoMicroIdleWrites .
func TestBenchGoMicroIdleWrites(t *testing.T) {
	idle := etcdtest.BenchIdle(t)
	srv := etcdtest.Start(t)
	gm := goMicro(t, srv)
	svc := samples()[0]
	svc.Name = "greeter"
	node := svc.Nodes[0]
	svc.Nodes = nil
	for i := range 1000 {
		nd := *node
		nd.Id = fmt.Sprintf("greeter-%04d", i)
		nd.Address = fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1)
		svc.Nodes = append(svc.Nodes, &nd)
	}
	etcdtest.IdleWrites(t, srv, "go-micro v5.30.0, 1000 nodes", idle, func() {
		if err := gm.Register(svc, registry.RegisterTTL(90*time.Second)); err != nil {
			t.Fatal(err)
		}
	})
	if err := gm.Deregister(svc); err != nil {
		t.Error(err)
	}
}
