package bridge

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// The measurements of BENCH.md's "Past one link" section. They run only
// with MDNS_BENCH=1, on a simulated link in real time and a real etcd,
// and log their numbers; they check only that the measurement did what it
// says (every node mirrored and deleted).
//
//	MDNS_BENCH=1 go test -v -run BenchBridgeLatency ./bridge/
//	MDNS_BENCH=1 go test -v -timeout 30m -run BenchIdleWrites ./bridge/   # MDNS_BENCH_IDLE=10m

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// keyTimes records when an etcd watcher saw each node's key appear and go.
type keyTimes struct {
	mu           sync.Mutex
	put, deleted map[string]time.Time
}

func watchKeys(t *testing.T, srv *etcdtest.Server) *keyTimes {
	t.Helper()
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	kt := &keyTimes{put: map[string]time.Time{}, deleted: map[string]time.Time{}}
	wch := cli.Watch(ctx, etcd.DefaultPrefix, clientv3.WithPrefix())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for resp := range wch {
			now := time.Now()
			kt.mu.Lock()
			for _, ev := range resp.Events {
				id := string(ev.Kv.Key[strings.LastIndexByte(string(ev.Kv.Key), '/')+1:])
				if ev.Type == clientv3.EventTypeDelete {
					kt.deleted[id] = now
				} else if _, ok := kt.put[id]; !ok {
					kt.put[id] = now
				}
			}
			kt.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		cli.Close()
	})
	return kt
}

func (kt *keyTimes) wait(m func(*keyTimes) map[string]time.Time, id string, timeout time.Duration) (time.Time, bool) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		kt.mu.Lock()
		at, ok := m(kt)[id]
		kt.mu.Unlock()
		if ok {
			return at, true
		}
		time.Sleep(time.Millisecond)
	}
	return time.Time{}, false
}

// stats renders durations as "median, p90, max (n=N)".
func stats(ds []time.Duration) string {
	if len(ds) == 0 {
		return "no samples"
	}
	slices.SortFunc(ds, func(a, b time.Duration) int { return cmp.Compare(a, b) })
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	r := func(d time.Duration) string { return d.Round(100 * time.Microsecond).String() }
	return fmt.Sprintf("median %s, p90 %s, max %s (n=%d)", r(q(0.5)), r(q(0.9)), r(ds[len(ds)-1]), len(ds))
}

// Bridge latency: from the browse event (a node added, a node's goodbye
// heard) to the key appearing or going for an etcd watcher; and end to
// end, from Register returning / Deregister starting on the announcing
// host.
func TestBenchBridgeLatency(t *testing.T) {
	etcdtest.BenchIdle(t) // skips without MDNS_BENCH=1
	n := envInt("MDNS_BENCH_NODES", 50)
	srv := etcdtest.Start(t)
	kt := watchKeys(t, srv)
	a := newLAN(t, "a", 1, 2)
	s := startSite(t, srv, "A", a.regs[1])
	ctx := context.Background()
	var addBridge, addE2E, delBridge, delE2E []time.Duration
	for i := range n {
		id := fmt.Sprintf("node-%03d", i)
		if err := a.regs[0].Register(ctx, "", greeter(id, 8000+i)); err != nil {
			t.Fatal(err)
		}
		registered := time.Now()
		ev, ok1 := s.waitEvent("put", id, 10*time.Second)
		seen, ok2 := kt.wait(func(k *keyTimes) map[string]time.Time { return k.put }, id, 10*time.Second)
		if !ok1 || !ok2 {
			t.Fatalf("%s not mirrored", id)
		}
		addBridge = append(addBridge, seen.Sub(ev.Heard))
		addE2E = append(addE2E, seen.Sub(registered))
	}
	for i := range n {
		id := fmt.Sprintf("node-%03d", i)
		start := time.Now()
		if err := a.regs[0].Deregister(ctx, "", greeter(id, 8000+i)); err != nil {
			t.Fatal(err)
		}
		ev, ok1 := s.waitEvent("delete", id, 10*time.Second)
		gone, ok2 := kt.wait(func(k *keyTimes) map[string]time.Time { return k.deleted }, id, 10*time.Second)
		if !ok1 || !ok2 {
			t.Fatalf("%s not deleted", id)
		}
		delBridge = append(delBridge, gone.Sub(ev.Heard))
		delE2E = append(delE2E, gone.Sub(start))
	}
	t.Logf("browse add event → key seen by an etcd watcher:     %s", stats(addBridge))
	t.Logf("Register returned on the link → key seen:           %s", stats(addE2E))
	t.Logf("browse delete event → key deletion seen:            %s", stats(delBridge))
	t.Logf("goodbye (Deregister) on the link → deletion seen:   %s", stats(delE2E))
}

// etcd writes for N nodes (1000) mirrored by a bridge, then left idle
// (MDNS_BENCH_IDLE, 10 minutes) while their host registers them again,
// unchanged, every 30 s as a go-micro server does.
func TestBenchIdleWrites(t *testing.T) {
	idle := etcdtest.BenchIdle(t)
	n := envInt("MDNS_BENCH_NODES", 1000)
	srv := etcdtest.Start(t)
	// The default cache (4096 records, Avahi's) does not hold 1000 nodes
	// with their SRV, TXT and addresses; mdns-bridge uses 65536.
	a := newLAN(t, "a", 1, 2, 65536)
	reg, err := etcd.New(etcd.Config{Endpoints: []string{srv.Endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(Config{Target: reg, Site: "A", Links: []Link{{Name: "eth0", Source: a.regs[1]}}, TTL: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		b.Run(ctx)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
		reg.Close()
	}()
	svc := &domains.Service{Name: "greeter", Version: "1.0.0"}
	for i := range n {
		svc.Nodes = append(svc.Nodes, &domains.Node{Id: fmt.Sprintf("node-%04d", i), Address: fmt.Sprintf(":%d", 10000+i), Metadata: map[string]string{"k": "v"}})
	}
	before := srv.Counters(t)
	start := time.Now()
	if err := a.regs[0].Register(context.Background(), "", svc); err != nil {
		t.Fatal(err)
	}
	// Mirrored: every key there, and no write for 5 s. A node first
	// heard with only its IPv6 address is written again when its IPv4
	// address (preferred) arrives.
	var last uint64
	quiet := time.Now()
	for time.Since(start) < 5*time.Minute {
		time.Sleep(100 * time.Millisecond)
		if p := b.Stats().Puts; p != last {
			last, quiet = p, time.Now()
		}
		if keys := countKeys(t, reg); keys == n && time.Since(quiet) > 5*time.Second {
			break
		}
	}
	if keys := countKeys(t, reg); keys != n {
		t.Fatalf("etcd holds %d of %d nodes", keys, n)
	}
	mirrored := srv.Counters(t)
	t.Logf("%d nodes registered on the link and mirrored in %v (bridge %+v); etcd counters:\n%s", n, quiet.Sub(start).Round(time.Millisecond), b.Stats(), etcdtest.Delta(before, mirrored))
	tick := time.NewTicker(30 * time.Second)
	defer tick.Stop()
	end := time.After(idle)
	rounds := 0
loop:
	for {
		select {
		case <-tick.C:
			if err := a.regs[0].Register(context.Background(), "", svc); err != nil {
				t.Fatal(err)
			}
			rounds++
		case <-end:
			break loop
		}
	}
	after := srv.Counters(t)
	t.Logf("then %v idle, the link registering all %d again %d times (unchanged); etcd counters:\n%s; bridge %+v",
		idle, n, rounds, etcdtest.Delta(mirrored, after), b.Stats())
}

func countKeys(t *testing.T, reg *etcd.Registry) int {
	t.Helper()
	resp, err := reg.Client().Get(context.Background(), etcd.DefaultPrefix, clientv3.WithPrefix(), clientv3.WithCountOnly())
	if err != nil {
		t.Fatal(err)
	}
	return int(resp.Count)
}
