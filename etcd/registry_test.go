package etcd

import (
	"context"
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// One key per node in go-micro's layout, the value the JSON of the
// service with that node and its domain in node metadata; reads by
// domain, the global domain seeing every node with its origin; results
// are the caller's; the caller's service is never changed.
func TestRegisterAndRead(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	cli := rawClient(t, srv)
	ctx := context.Background()

	s := greeter("n1", "10.0.0.1:8080", map[string]string{"k": "v"})
	before := s.Clone()
	mustRegister(t, r, s)
	if !reflect.DeepEqual(s, before) {
		t.Errorf("Register changed the caller's service: %+v", s.Nodes[0])
	}
	mustRegisterIn(t, r, "Dev.", greeter("n2", "10.0.0.2:8080", nil))
	mustRegister(t, r, &domains.Service{Name: "a/b", Version: "2", Nodes: []*domains.Node{{Id: "x/y", Address: "[fe80::1%eth0]:1"}}})

	want := `{"name":"greeter","version":"1.0.0","metadata":null,"endpoints":[{"request":{"name":"Request","type":"Request","values":[{"name":"name","type":"string","values":null}]},"response":{"name":"Response","type":"Response","values":[{"name":"msg","type":"string","values":null}]},"metadata":null,"name":"Greeter.Hello"}],"nodes":[{"metadata":{"domain":"local","k":"v"},"id":"n1","address":"10.0.0.1:8080"}]}`
	got := keys(t, cli)
	if got["/micro/registry/greeter/n1"] != want {
		t.Errorf("value of n1:\n got %s\nwant %s", got["/micro/registry/greeter/n1"], want)
	}
	if v := got["/micro/registry/a-b/x-y"]; !strings.Contains(v, `"name":"a/b"`) || !strings.Contains(v, `"id":"x/y"`) {
		t.Errorf("keys %q: want a/b's node x/y at /micro/registry/a-b/x-y (go-micro replaces / with -)", mapsKeys(got))
	}

	check := func(domain string, want ...string) {
		t.Helper()
		svcs, err := r.GetService(ctx, domain, "greeter")
		if err != nil && (len(want) > 0 || !errors.Is(err, domains.ErrNotFound)) {
			t.Fatalf("GetService in %q: %v", domain, err)
		}
		if got := summary(svcs); !slices.Equal(got, want) {
			t.Errorf("GetService in %q:\n got %q\nwant %q", domain, got, want)
		}
	}
	check("", "greeter/1.0.0 n1@10.0.0.1:8080[local]{k=v}", "greeter/1.0.0 n2@10.0.0.2:8080[dev]{}")
	check("dev", "greeter/1.0.0 n2@10.0.0.2:8080[dev]{}")
	check("prod")
	if _, err := r.GetService(ctx, "", "greeter2"); !errors.Is(err, domains.ErrNotFound) {
		t.Errorf("GetService(greeter2): %v, want ErrNotFound", err)
	}
	list, err := r.ListServices(ctx, "")
	if err != nil || len(list) != 2 || list[0].Name != "a/b" || list[1].Name != "greeter" || len(list[1].Nodes) != 2 {
		t.Errorf("ListServices = %q, %v", summary(list), err)
	}
	svcs, _ := r.GetService(ctx, "dev", "greeter")
	svcs[0].Nodes[0].Id = "changed"
	svcs[0].Endpoints[0].Name = "changed"
	check("dev", "greeter/1.0.0 n2@10.0.0.2:8080[dev]{}")

	for _, bad := range []*domains.Service{
		nil,
		{Name: "", Nodes: []*domains.Node{{Id: "n", Address: ":1"}}},
		{Name: "..", Nodes: []*domains.Node{{Id: "n", Address: ":1"}}},
		{Name: "s"},
		{Name: "s", Nodes: []*domains.Node{{Id: ".", Address: ":1"}}},
		{Name: "s", Nodes: []*domains.Node{{Id: "n", Address: "nope"}}},
		{Name: "s", Nodes: []*domains.Node{{Id: "n", Address: ":1"}, {Id: "n", Address: ":2"}}},
	} {
		if err := r.Register(ctx, "", bad); !errors.Is(err, domains.ErrInvalidService) {
			t.Errorf("Register(%+v) = %v, want ErrInvalidService", bad, err)
		}
	}
	if err := r.Register(ctx, "a,b", greeter("n9", ":1", nil)); !errors.Is(err, domains.ErrInvalidService) {
		t.Errorf("a domain with a comma: %v", err)
	}
}

func mapsKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// An unchanged registration writes nothing (go-micro's server registers
// every 30 s); any change of the service — not only of the node, which is
// all go-micro hashes — is written.
func TestRegisterWritesOnlyChanges(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	cli := rawClient(t, srv)
	mustRegister(t, r, greeter("n1", "10.0.0.1:8080", nil))
	rev := revision(t, cli)
	for range 3 {
		mustRegister(t, r, greeter("n1", "10.0.0.1:8080", nil))
	}
	if got := revision(t, cli); got != rev {
		t.Errorf("3 unchanged registrations moved the revision %d → %d", rev, got)
	}
	if st := r.Stats(); st.Unchanged != 3 || st.Puts != 1 || st.Grants != 1 {
		t.Errorf("Stats = %+v, want 1 put, 3 unchanged, 1 grant", st)
	}
	changes := []func(s *domains.Service){
		func(s *domains.Service) { s.Version = "1.0.1" },
		func(s *domains.Service) { s.Endpoints[0].Name = "Greeter.Bye" },
		func(s *domains.Service) { s.Metadata = map[string]string{"team": "x"} },
		func(s *domains.Service) { s.Nodes[0].Metadata = map[string]string{"k": "v"} },
		func(s *domains.Service) { s.Nodes[0].Address = "10.0.0.1:9090" },
	}
	s := greeter("n1", "10.0.0.1:8080", nil)
	for i, change := range changes {
		change(s)
		rev := revision(t, cli)
		mustRegister(t, r, s)
		if got := revision(t, cli); got != rev+1 {
			t.Errorf("change %d: revision %d → %d, want one write", i, rev, got)
		}
	}
}

// A node registered in several domains is one key whose domain metadata
// lists them; deregistering one updates it, the last deletes it.
func TestSeveralDomains(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	cli := rawClient(t, srv)
	ctx := context.Background()
	mustRegisterIn(t, r, "dev", greeter("n1", ":8080", nil))
	mustRegisterIn(t, r, "prod", greeter("n1", ":8081", nil))
	if v := keys(t, cli)["/micro/registry/greeter/n1"]; !strings.Contains(v, `"domain":"dev,prod"`) || !strings.Contains(v, `:8081"`) {
		t.Errorf("value %s: want domain dev,prod and the latest registration's address", v)
	}
	for dom, want := range map[string]string{"dev": "dev", "prod": "prod", "local": "dev,prod"} {
		svcs, err := r.GetService(ctx, dom, "greeter")
		if err != nil || svcs[0].Nodes[0].Domain != want {
			t.Errorf("GetService in %s: %q, %v; want domain %q", dom, summary(svcs), err, want)
		}
	}
	if err := r.Deregister(ctx, "prod", greeter("n1", "", nil)); err != nil {
		t.Fatal(err)
	}
	if v := keys(t, cli)["/micro/registry/greeter/n1"]; !strings.Contains(v, `"domain":"dev"`) || !strings.Contains(v, `:8080"`) {
		t.Errorf("after leaving prod: %s; want dev's registration", v)
	}
	if err := r.Deregister(ctx, "dev", greeter("n1", "", nil)); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, cli); len(got) != 0 {
		t.Errorf("after leaving both: %q", got)
	}
	if err := r.Deregister(ctx, "", greeter("unknown", "", nil)); err != nil {
		t.Errorf("Deregister of an unknown node: %v", err)
	}
}

// Keys under the prefix that are not nodes in go-micro's layout are
// skipped and counted by every read: malformed JSON, go-micro v3's domain
// level, a value naming another service or node, two nodes in one value,
// oversized values. Keys without a lease (go-micro with TTL 0) are nodes.
func TestForeignKeysSkipped(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	cli := rawClient(t, srv)
	ctx := context.Background()
	rec, _ := watch(t, r, "", "")
	node := `{"name":"greeter","version":"1","metadata":null,"endpoints":null,"nodes":[{"metadata":null,"id":"n1","address":"10.0.0.1:1"}]}`
	for k, v := range map[string]string{
		"/micro/registry/greeter/bad":        `{"name":`,
		"/micro/registry/dev/greeter/n1":     node,
		"/micro/registry/other/n1":           node,
		"/micro/registry/greeter/n2":         node,
		"/micro/registry/greeter/two":        `{"name":"greeter","nodes":[{"id":"two"},{"id":"two"}]}`,
		"/micro/registry/greeter/big":        `{"name":"greeter","x":"` + strings.Repeat("x", MaxValueSize) + `"}`,
		"/micro/registry/greeter":            node,
		"/micro/registry/greeter/n1/extra":   node,
		"/micro/registryX/greeter/n1":        node,
		"/micro/registry/greeter/n1":         node, // the only node: no lease, no domain
		"/micro/registry/greeter/empty-node": `{"name":"greeter","nodes":[null]}`,
	} {
		if _, err := cli.Put(ctx, k, v); err != nil {
			t.Fatal(err)
		}
	}
	svcs, err := r.GetService(ctx, "", "greeter")
	if got := summary(svcs); err != nil || !slices.Equal(got, []string{"greeter/1 n1@10.0.0.1:1[local]{}"}) {
		t.Errorf("GetService = %q, %v", got, err)
	}
	list, err := r.ListServices(ctx, "")
	if got := summary(list); err != nil || !slices.Equal(got, []string{"greeter/1 n1@10.0.0.1:1[local]{}"}) {
		t.Errorf("ListServices = %q, %v", got, err)
	}
	if got := rec.wait(t, 1); !slices.Equal(got, []string{"create greeter/1 n1@10.0.0.1:1[local]"}) {
		t.Errorf("Watch saw %q", got)
	}
	st := r.Stats()
	if st.Malformed == 0 || st.Foreign == 0 || st.Oversize == 0 {
		t.Errorf("Stats = %+v: want malformed, foreign and oversized keys counted", st)
	}
	// A node that turns malformed is gone for the watch.
	if _, err := cli.Put(ctx, "/micro/registry/greeter/n1", "garbage"); err != nil {
		t.Fatal(err)
	}
	if got := rec.wait(t, 1); !slices.Equal(got, []string{"delete greeter/1 n1@10.0.0.1:1[local]"}) {
		t.Errorf("after garbage: %q", got)
	}
}

// Close revokes the leases: every key goes at once. Later calls fail with
// domains.ErrClosed; a running Watch ends with it; Close is idempotent.
func TestCloseRevokes(t *testing.T) {
	srv := etcdtest.Start(t)
	cli := rawClient(t, srv)
	r, err := New(Config{Endpoints: []string{srv.Endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	mustRegister(t, r, greeter("n1", ":1", nil))
	mustRegister(t, r, greeter("n2", ":1", nil), domains.WithTTL(30*time.Second))
	done := make(chan error, 1)
	go func() { done <- r.Watch(ctx, "", "", func(domains.Result) error { return nil }) }()
	time.Sleep(200 * time.Millisecond)
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if got := keys(t, cli); len(got) != 0 {
		t.Errorf("keys after Close: %q", got)
	}
	if st := r.Stats(); st.Revokes != 2 {
		t.Errorf("Revokes = %d, want 2 (one lease per TTL)", st.Revokes)
	}
	if err := <-done; !errors.Is(err, domains.ErrClosed) {
		t.Errorf("Watch after Close: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for name, err := range map[string]error{
		"Register":     r.Register(ctx, "", greeter("n3", ":1", nil)),
		"Deregister":   r.Deregister(ctx, "", greeter("n1", ":1", nil)),
		"GetService":   second(r.GetService(ctx, "", "greeter")),
		"ListServices": second(r.ListServices(ctx, "")),
		"Watch":        r.Watch(ctx, "", "", func(domains.Result) error { return nil }),
	} {
		if !errors.Is(err, domains.ErrClosed) {
			t.Errorf("%s after Close: %v", name, err)
		}
	}
	noLeaks(t)
}

func second[T any](_ T, err error) error { return err }

// leaseOf returns the lease of a key and its granted TTL.
func leaseOf(t *testing.T, cli *clientv3.Client, key string) (clientv3.LeaseID, int64) {
	t.Helper()
	ctx := context.Background()
	resp, err := cli.Get(ctx, key)
	if err != nil || len(resp.Kvs) != 1 || resp.Kvs[0].Lease == 0 {
		t.Fatalf("%s: %v, %v; want a key with a lease", key, resp, err)
	}
	id := clientv3.LeaseID(resp.Kvs[0].Lease)
	ttl, err := cli.TimeToLive(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return id, ttl.GrantedTTL
}

// A TTL of zero is the default TTL (go-micro's v4 plugin crashes on it).
func TestTTLZero(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	cli := rawClient(t, srv)
	mustRegister(t, r, greeter("n1", ":1", nil), domains.WithTTL(0))
	if _, ttl := leaseOf(t, cli, "/micro/registry/greeter/n1"); ttl != int64(DefaultTTL/time.Second) {
		t.Errorf("lease TTL %d s, want %v", ttl, DefaultTTL)
	}
	if _, err := New(Config{TTL: -time.Second}); !errors.Is(err, domains.ErrInvalidService) {
		t.Errorf("a negative TTL: %v", err)
	}
}

// A lease lost behind the registry's back (revoked, or expired during a
// partition) is replaced and its nodes are written again. The keepalive
// that finds out runs every third of the TTL.
func TestLostLeaseRegistersAgain(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{TTL: 3 * time.Second})
	cli := rawClient(t, srv)
	ctx := context.Background()
	mustRegister(t, r, greeter("n1", ":1", nil))
	mustRegister(t, r, greeter("n2", ":1", nil))
	id, _ := leaseOf(t, cli, "/micro/registry/greeter/n1")
	if _, err := cli.Revoke(ctx, id); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for len(keys(t, cli)) != 2 && time.Since(start) < 5*time.Second {
		time.Sleep(20 * time.Millisecond)
	}
	t.Logf("nodes back %v after the revoke", time.Since(start))
	if got := keys(t, cli); len(got) != 2 {
		t.Fatalf("keys after a revoked lease: %q", mapsKeys(got))
	}
	if st := r.Stats(); st.LeasesLost != 1 || st.Rewrites != 2 || st.Grants != 2 {
		t.Errorf("Stats = %+v, want 1 lease lost, 2 nodes written again, 2 grants", st)
	}
	// The registration is whole again: an unchanged Register writes nothing.
	rev := revision(t, cli)
	mustRegister(t, r, greeter("n1", ":1", nil))
	if revision(t, cli) != rev {
		t.Error("a registration after the repair wrote again")
	}
}

// registryMethods is domains.Registry's method set, which adapters (the
// go-kit and go-micro ones) and the merged view use: the etcd registry has
// exactly these signatures.
type registryMethods interface {
	Register(ctx context.Context, domain string, svc *domains.Service, opts ...domains.RegisterOption) error
	Deregister(ctx context.Context, domain string, svc *domains.Service) error
	GetService(ctx context.Context, domain, name string) ([]*domains.Service, error)
	ListServices(ctx context.Context, domain string) ([]*domains.Service, error)
	Watch(ctx context.Context, domain, service string, fn func(domains.Result) error) error
	Close() error
}

var (
	_ registryMethods = (*domains.Registry)(nil)
	_ registryMethods = (*Registry)(nil)
	_ domains.Source  = (*Registry)(nil)
)
