package interop

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/sd/lb"
	kitlog "github.com/go-kit/log"

	"github.com/mdnskit/mdnskit/adapters/gokit"
	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
)

// The go-kit adapter works over the etcd registry as over mDNS: three HTTP
// servers registered in a real etcd through gokit.Registrar, a go-kit
// client on gokit.Instancer + sd.NewEndpointer + lb.NewRoundRobin spreads
// requests over all three, and a Deregister takes one out of the rotation
// at the next watch event (no polling).
func TestGoKitOverEtcd(t *testing.T) {
	srv := etcdtest.Start(t)
	newReg := func() *etcd.Registry {
		r, err := etcd.New(etcd.Config{Endpoints: []string{srv.Endpoint}, TTL: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	logger := kitlog.NewNopLogger()
	var registrars []*gokit.Registrar
	for _, id := range []string{"a", "b", "c"} {
		hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, id) }))
		t.Cleanup(hs.Close)
		u, _ := url.Parse(hs.URL)
		svc := &domains.Service{Name: "echo", Version: "1", Nodes: []*domains.Node{{Id: "echo-" + id, Address: u.Host}}}
		reg := gokit.NewRegistrar(newReg(), svc, logger)
		reg.Register()
		registrars = append(registrars, reg)
	}

	instancer := gokit.NewInstancer(newReg(), logger, "echo")
	defer instancer.Stop()
	factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
		return func(ctx context.Context, _ any) (any, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+instance+"/", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			return string(b), err
		}, nil, nil
	}
	endpointer := sd.NewEndpointer(instancer, factory, logger)
	defer endpointer.Close()
	balancer := lb.NewRoundRobin(endpointer)
	call := func() string {
		e, err := balancer.Endpoint()
		if err != nil {
			return "error: " + err.Error()
		}
		out, err := e(context.Background(), nil)
		if err != nil {
			return "error: " + err.Error()
		}
		return out.(string)
	}

	served := func(n int) map[string]int {
		got := map[string]int{}
		for range n {
			got[call()]++
		}
		return got
	}
	if !waitFor(5*time.Second, func() bool { eps, _ := endpointer.Endpoints(); return len(eps) == 3 }) {
		eps, _ := endpointer.Endpoints()
		t.Fatalf("%d endpoints, want 3", len(eps))
	}
	if got := served(30); got["a"] != 10 || got["b"] != 10 || got["c"] != 10 {
		t.Errorf("30 requests went %v, want 10 to each", got)
	}

	registrars[1].Deregister()
	start := time.Now()
	if !waitFor(5*time.Second, func() bool { eps, _ := endpointer.Endpoints(); return len(eps) == 2 }) {
		t.Fatal("the deregistered server stayed in the rotation")
	}
	t.Logf("deregistered server out of the rotation %v after Deregister", time.Since(start))
	got := served(20)
	if got["b"] != 0 || got["a"] != 10 || got["c"] != 10 {
		t.Errorf("20 requests after b left went %v, want 10 to a and c", got)
	}
}

func waitFor(d time.Duration, cond func() bool) bool {
	for end := time.Now().Add(d); ; time.Sleep(20 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}
