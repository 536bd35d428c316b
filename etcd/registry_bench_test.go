package etcd

import (
	"context"
	"fmt"
	"testing"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
)

// etcd writes for 1000 nodes registered with this registry, then
// registered again, unchanged, every 30 s (go-micro's RegisterInterval)
// for MDNS_BENCH_IDLE (10 minutes), TTL 90 s (go-micro's RegisterTTL).
// The same run with go-micro's own registry is in the interop module.
//
//	MDNS_BENCH=1 go test -v -timeout 30m -run BenchRegistryIdleWrites .
func TestBenchRegistryIdleWrites(t *testing.T) {
	idle := etcdtest.BenchIdle(t)
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	svc := &domains.Service{Name: "greeter", Version: "1.0.0", Endpoints: greeter("x", ":1", nil).Endpoints}
	for i := range 1000 {
		svc.Nodes = append(svc.Nodes, &domains.Node{Id: fmt.Sprintf("greeter-%04d", i), Address: fmt.Sprintf("10.0.%d.%d:8080", i/250, i%250+1)})
	}
	etcdtest.IdleWrites(t, srv, "mdnskit, 1000 nodes", idle, func() {
		if err := r.Register(context.Background(), "", svc); err != nil {
			t.Fatal(err)
		}
	})
	t.Logf("registry %+v", r.Stats())
}
