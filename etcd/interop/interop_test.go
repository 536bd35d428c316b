package interop

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	"go-micro.dev/v5/registry"
	clientv3 "go.etcd.io/etcd/client/v3"
)

var update = flag.Bool("update", false, "rewrite ../testdata/go-micro-values.json with what go-micro writes")

// goldenPath holds go-micro's own values, the etcd module's fuzz seeds.
const goldenPath = "../testdata/go-micro-values.json"

// samples are services as a go-micro server registers them, with the
// node metadata our registry adds (domain) so the values can be compared
// byte for byte.
func samples() []*registry.Service {
	ep := []*registry.Endpoint{{
		Name:     "Greeter.Hello",
		Request:  &registry.Value{Name: "Request", Type: "Request", Values: []*registry.Value{{Name: "name", Type: "string"}}},
		Response: &registry.Value{Name: "Response", Type: "Response", Values: []*registry.Value{{Name: "msg", Type: "string"}}},
		Metadata: map[string]string{"stream": "false"},
	}}
	meta := map[string]string{"broker": "http", "protocol": "mucp", "registry": "etcd", "server": "mucp", "transport": "http", "domain": "local"}
	return []*registry.Service{
		{Name: "go.micro.srv.greeter", Version: "latest", Endpoints: ep, Nodes: []*registry.Node{{Id: "go.micro.srv.greeter-5b3c1a2e-0d4f-4a8e-9c61-2f7e0b9d1a33", Address: "10.0.0.5:41234", Metadata: meta}}},
		{Name: "helloworld", Version: "1.0.0", Metadata: map[string]string{"team": "edge"}, Nodes: []*registry.Node{{Id: "helloworld-1", Address: "[fd00::5]:8080", Metadata: map[string]string{"domain": "dev,prod", "note": "<café & co>"}}}},
		{Name: "team/api", Version: "", Nodes: []*registry.Node{{Id: "node/1", Address: ":9090", Metadata: map[string]string{"domain": "local"}}}},
	}
}

// toDomains is the same service in package domains' types, without the
// domain metadata (the registry adds it from the registration).
func toDomains(s *registry.Service) (*domains.Service, []string) {
	b, _ := json.Marshal(s)
	var d domains.Service
	var w struct {
		Nodes []struct {
			Metadata map[string]string `json:"metadata"`
			Id       string            `json:"id"`
			Address  string            `json:"address"`
		} `json:"nodes"`
	}
	json.Unmarshal(b, &d)
	json.Unmarshal(b, &w)
	d.Nodes = nil
	n := w.Nodes[0]
	origins := strings.Split(n.Metadata["domain"], ",")
	delete(n.Metadata, "domain")
	d.Nodes = []*domains.Node{{Id: n.Id, Address: n.Address, Metadata: n.Metadata}}
	return &d, origins
}

type golden struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// Byte for byte: what our registry writes for a service is what
// go-micro's writes for it, key and value.
func TestSameBytesAsGoMicro(t *testing.T) {
	srv := etcdtest.Start(t)
	gm := goMicro(t, srv)
	us := ours(t, srv, etcd.Config{})
	cli := us.Client()
	ctx := context.Background()
	var captured []golden
	for _, s := range samples() {
		if err := gm.Register(s, registry.RegisterTTL(30*time.Second)); err != nil {
			t.Fatal(err)
		}
		theirs := dump(t, cli)
		if len(theirs) != 1 {
			t.Fatalf("go-micro wrote %v", theirs)
		}
		captured = append(captured, theirs...)
		if err := gm.Deregister(s); err != nil {
			t.Fatal(err)
		}
		d, origins := toDomains(s)
		for _, o := range origins {
			if err := us.Register(ctx, o, d); err != nil {
				t.Fatal(err)
			}
		}
		if mine := dump(t, cli); !slices.Equal(mine, theirs) {
			t.Errorf("%s:\n ours     %+v\n go-micro %+v", s.Name, mine, theirs)
		}
		for _, o := range origins {
			if err := us.Deregister(ctx, o, d); err != nil {
				t.Fatal(err)
			}
		}
	}
	if *update {
		b, _ := json.MarshalIndent(captured, "", "  ")
		if err := os.WriteFile(goldenPath, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(goldenPath)
	var stored []golden
	if err == nil {
		err = json.Unmarshal(b, &stored)
	}
	if err != nil || !slices.Equal(stored, captured) {
		t.Errorf("%s differs from what go-micro wrote now (%v); run with -update", goldenPath, err)
	}
}

func dump(t *testing.T, cli *clientv3.Client) []golden {
	t.Helper()
	resp, err := cli.Get(context.Background(), etcd.DefaultPrefix, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	var out []golden
	for _, kv := range resp.Kvs {
		out = append(out, golden{string(kv.Key), string(kv.Value)})
	}
	return out
}

// go-micro registers; our GetService, ListServices and Watch see its
// nodes, a TTL-0 registration (no lease: go-micro's v4 plugin crashes on
// it) included.
func TestGoMicroRegistersWeRead(t *testing.T) {
	srv := etcdtest.Start(t)
	gm := goMicro(t, srv)
	us := ours(t, srv, etcd.Config{})
	ctx := context.Background()
	ev := watchOurs(t, us, "")
	time.Sleep(200 * time.Millisecond)
	s := samples()[0]
	s.Nodes[0].Metadata = map[string]string{"registry": "etcd"}
	if err := gm.Register(s, registry.RegisterTTL(10*time.Second)); err != nil {
		t.Fatal(err)
	}
	noLease := &registry.Service{Name: "go.micro.srv.greeter", Version: "latest", Endpoints: s.Endpoints, Nodes: []*registry.Node{{Id: "forever", Address: "10.0.0.6:1"}}}
	if err := gm.Register(noLease); err != nil {
		t.Fatal(err)
	}
	svcs, err := us.GetService(ctx, "", "go.micro.srv.greeter")
	if err != nil || len(svcs) != 1 || len(svcs[0].Nodes) != 2 {
		t.Fatalf("GetService = %+v, %v", svcs, err)
	}
	for _, n := range svcs[0].Nodes {
		if n.Domain != "local" {
			t.Errorf("node %s in domain %q; go-micro's nodes belong to the default domain", n.Id, n.Domain)
		}
	}
	if got := svcs[0].Endpoints; len(got) != 1 || got[0].Request.Values[0].Name != "name" {
		t.Errorf("endpoints %+v", got)
	}
	list, err := us.ListServices(ctx, "")
	if err != nil || len(list) != 1 || list[0].Name != "go.micro.srv.greeter" {
		t.Errorf("ListServices = %+v, %v", list, err)
	}
	for _, want := range []string{"create " + s.Nodes[0].Id, "create forever"} {
		if !ev.waitFor(want, 5*time.Second) {
			t.Errorf("our Watch lacks %q: %s", want, ev)
		}
	}
	if err := gm.Deregister(s); err != nil {
		t.Fatal(err)
	}
	if !ev.waitFor("delete "+s.Nodes[0].Id, 5*time.Second) {
		t.Errorf("our Watch lacks the delete: %s", ev)
	}
}

// We register (in dev); go-micro's GetService, ListServices and Watch see
// our nodes with their domain, then the update and the delete.
func TestWeRegisterGoMicroReads(t *testing.T) {
	srv := etcdtest.Start(t)
	gm := goMicro(t, srv)
	us := ours(t, srv, etcd.Config{})
	ctx := context.Background()
	ev := watchGoMicro(t, gm, "greeter")
	time.Sleep(200 * time.Millisecond)
	s, _ := toDomains(samples()[0])
	s.Name = "greeter"
	if err := us.Register(ctx, "dev", s); err != nil {
		t.Fatal(err)
	}
	got, err := gm.GetService("greeter")
	if err != nil || len(got) != 1 || len(got[0].Nodes) != 1 {
		t.Fatalf("go-micro GetService = %+v, %v", got, err)
	}
	n := got[0].Nodes[0]
	if n.Id != s.Nodes[0].Id || n.Address != s.Nodes[0].Address || n.Metadata["domain"] != "dev" || n.Metadata["protocol"] != "mucp" || got[0].Endpoints[0].Name != "Greeter.Hello" {
		t.Errorf("go-micro sees %+v %+v", got[0], n)
	}
	list, err := gm.ListServices()
	if err != nil || len(list) != 1 || list[0].Name != "greeter" {
		t.Errorf("go-micro ListServices = %+v, %v", list, err)
	}
	s.Version = "2"
	if err := us.Register(ctx, "dev", s); err != nil {
		t.Fatal(err)
	}
	if err := us.Deregister(ctx, "dev", s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"create " + n.Id, "update " + n.Id, "delete " + n.Id} {
		if !ev.waitFor(want, 5*time.Second) {
			t.Errorf("go-micro's Watch lacks %q: %s", want, ev)
		}
	}
	if _, err := gm.GetService("greeter"); !errors.Is(err, registry.ErrNotFound) {
		t.Errorf("go-micro GetService after Deregister: %v", err)
	}
}

// A process killed with SIGKILL (go-micro's or ours) cannot deregister:
// its lease expires and both registries see the node go.
func TestKilledProcessExpires(t *testing.T) {
	const ttl = 3 * time.Second
	for _, peer := range []string{"gomicro", "mdnskit"} {
		t.Run(peer, func(t *testing.T) {
			srv := etcdtest.Start(t)
			gm := goMicro(t, srv)
			us := ours(t, srv, etcd.Config{})
			gmEv := watchGoMicro(t, gm, "killed")
			ourEv := watchOurs(t, us, "killed")
			time.Sleep(200 * time.Millisecond)
			p := startPeer(t, peer, srv.Endpoint, ttl)
			id := peer + "-peer"
			for name, ev := range map[string]*events{"go-micro": gmEv, "ours": ourEv} {
				if !ev.waitFor("create "+id, 5*time.Second) {
					t.Fatalf("%s Watch lacks the create: %s", name, ev)
				}
			}
			p.Process.Kill()
			killed := time.Now()
			for name, ev := range map[string]*events{"go-micro": gmEv, "ours": ourEv} {
				if !ev.waitFor("delete "+id, ttl+5*time.Second) {
					t.Fatalf("%s Watch lacks the delete: %s", name, ev)
				}
				t.Logf("%s saw the delete %v after the kill (TTL %v)", name, time.Since(killed).Round(time.Millisecond), ttl)
			}
			if _, err := gm.GetService("killed"); !errors.Is(err, registry.ErrNotFound) {
				t.Errorf("go-micro GetService: %v", err)
			}
			if _, err := us.GetService(context.Background(), "", "killed"); !errors.Is(err, domains.ErrNotFound) {
				t.Errorf("our GetService: %v", err)
			}
		})
	}
}
