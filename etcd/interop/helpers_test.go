package interop

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	"go-micro.dev/v5/registry"
	gmetcd "go-micro.dev/v5/registry/etcd"
)

// The test binary doubles as a peer process that registers one node and
// waits to be killed: INTEROP_PEER=gomicro or mdnskit, INTEROP_ETCD the
// endpoint, INTEROP_TTL the TTL.
func TestMain(m *testing.M) {
	if peer := os.Getenv("INTEROP_PEER"); peer != "" {
		os.Exit(runPeer(peer, os.Getenv("INTEROP_ETCD"), os.Getenv("INTEROP_TTL")))
	}
	os.Exit(m.Run())
}

func runPeer(peer, endpoint, ttlStr string) int {
	ttl, err := time.ParseDuration(ttlStr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	switch peer {
	case "gomicro":
		r := gmetcd.NewEtcdRegistry(registry.Addrs(hostPort(endpoint)))
		s := &registry.Service{Name: "killed", Version: "1", Nodes: []*registry.Node{{Id: "gomicro-peer", Address: "10.0.0.7:1"}}}
		err = r.Register(s, registry.RegisterTTL(ttl))
	case "mdnskit":
		var r *etcd.Registry
		if r, err = etcd.New(etcd.Config{Endpoints: []string{endpoint}, TTL: ttl}); err == nil {
			err = r.Register(context.Background(), "", &domains.Service{Name: "killed", Version: "1", Nodes: []*domains.Node{{Id: "mdnskit-peer", Address: "10.0.0.8:1"}}})
		}
	default:
		err = fmt.Errorf("unknown peer %q", peer)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("registered")
	select {} // until killed
}

// startPeer runs a peer process and waits until it registered; it is
// killed (SIGKILL, by pid) when t ends if the test did not kill it.
func startPeer(t *testing.T, peer, endpoint string, ttl time.Duration) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "INTEROP_PEER="+peer, "INTEROP_ETCD="+endpoint, "INTEROP_TTL="+ttl.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || strings.TrimSpace(line) != "registered" {
		t.Fatalf("peer %s: %q, %v", peer, line, err)
	}
	return cmd
}

// hostPort turns a client URL into the host:port go-micro wants.
func hostPort(endpoint string) string {
	return strings.TrimPrefix(strings.TrimPrefix(endpoint, "http://"), "https://")
}

// goMicro is go-micro's etcd registry on srv.
func goMicro(t *testing.T, srv *etcdtest.Server) registry.Registry {
	t.Helper()
	return gmetcd.NewEtcdRegistry(registry.Addrs(hostPort(srv.Endpoint)), registry.Timeout(5*time.Second))
}

// ours is mdnskit's etcd registry on srv, closed when t ends.
func ours(t *testing.T, srv *etcdtest.Server, cfg etcd.Config) *etcd.Registry {
	t.Helper()
	cfg.Endpoints = []string{srv.Endpoint}
	cfg.Logf = t.Logf
	r, err := etcd.New(cfg)
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

// events collects results of both registries' watches as "action id".
type events struct {
	mu  sync.Mutex
	got []string
}

func (e *events) add(s string) {
	e.mu.Lock()
	e.got = append(e.got, s)
	e.mu.Unlock()
}

// waitFor polls until want was collected (true) or timeout passes.
func (e *events) waitFor(want string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		e.mu.Lock()
		for _, g := range e.got {
			if g == want {
				e.mu.Unlock()
				return true
			}
		}
		e.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

func (e *events) String() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return strings.Join(e.got, ", ")
}

// watchGoMicro runs go-micro's Watch until t ends.
func watchGoMicro(t *testing.T, r registry.Registry, service string) *events {
	t.Helper()
	var opts []registry.WatchOption
	if service != "" {
		opts = append(opts, registry.WatchService(service))
	}
	w, err := r.Watch(opts...)
	if err != nil {
		t.Fatal(err)
	}
	ev := &events{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			res, err := w.Next()
			if err != nil {
				return
			}
			for _, n := range res.Service.Nodes {
				ev.add(res.Action + " " + n.Id)
			}
		}
	}()
	t.Cleanup(func() {
		w.Stop()
		<-done
	})
	return ev
}

// watchOurs runs our Watch until t ends.
func watchOurs(t *testing.T, r *etcd.Registry, service string) *events {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ev := &events{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		r.Watch(ctx, "", service, func(res domains.Result) error {
			ev.add(res.Action + " " + res.Service.Nodes[0].Id)
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return ev
}
