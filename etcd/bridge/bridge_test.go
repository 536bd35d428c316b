package bridge

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Two LANs, a bridge on each, one etcd: a service announced on LAN A
// appears in the merged view read at LAN B, tagged with A's site; its
// goodbye deletes the key within 1 s of the browse event and it leaves
// B's view; a bridge that stops revokes its lease and its keys go at once.
func TestTwoLANs(t *testing.T) {
	srv := etcdtest.Start(t)
	a := newLAN(t, "a", 1, 2) // a1 announces, a2 bridges
	b := newLAN(t, "b", 2, 2) // b1 announces, b2 bridges and reads
	siteA := startSite(t, srv, "A", a.regs[1])
	startSite(t, srv, "B", b.regs[1])
	m, _ := view(t, srv, b.regs[1])
	ctx := context.Background()

	if err := a.regs[0].Register(ctx, "", greeter("remote", 8080)); err != nil {
		t.Fatal(err)
	}
	if err := b.regs[0].Register(ctx, "", greeter("local", 9090)); err != nil {
		t.Fatal(err)
	}
	put, ok := siteA.waitEvent("put", "remote", 10*time.Second)
	if !ok {
		t.Fatal("bridge A did not mirror the node")
	}
	t.Logf("bridge A: browse add → etcd key in %v", put.Written.Sub(put.Heard))
	if n := put.Service.Nodes[0]; n.Metadata[domains.MetaSite] != "A" || n.Metadata[domains.MetaLink] != "eth0" || n.Address != "10.1.0.1:8080" || n.Metadata["k"] != "v" {
		t.Errorf("mirrored node %+v", n)
	}
	if got, ok := waitView(t, m, 10*time.Second, "local@10.2.0.1:9090 [etcd:B mdns:eth0]", "remote@10.1.0.1:8080 [etcd:A]"); !ok {
		t.Fatalf("view at B: %q", got)
	}
	// go-micro's layout: any etcd client sees the node under its key.
	resp, err := siteA.reg.Client().Get(ctx, "/micro/registry/greeter/remote")
	if err != nil || len(resp.Kvs) != 1 || !strings.Contains(string(resp.Kvs[0].Value), `"mdnskit.site":"A"`) {
		t.Fatalf("key of the remote node: %v, %v", resp, err)
	}

	// The announcer leaves: goodbye (RFC 6762 §10.1), browse delete 1 s
	// later, then the key.
	if err := a.regs[0].Deregister(ctx, "", greeter("remote", 8080)); err != nil {
		t.Fatal(err)
	}
	del, ok := siteA.waitEvent("delete", "remote", 5*time.Second)
	if !ok {
		t.Fatal("bridge A did not delete the node")
	}
	if d := del.Written.Sub(del.Heard); d > time.Second {
		t.Errorf("browse delete → key deleted took %v, want ≤ 1 s", d)
	} else {
		t.Logf("bridge A: browse delete → key deleted in %v", d)
	}
	if got, ok := waitView(t, m, 5*time.Second, "local@10.2.0.1:9090 [etcd:B mdns:eth0]"); !ok {
		t.Fatalf("view at B after the goodbye: %q", got)
	}

	// A bridge that stops revokes its lease: its keys go at once.
	if err := a.regs[0].Register(ctx, "", greeter("again", 8081)); err != nil {
		t.Fatal(err)
	}
	if _, ok := siteA.waitEvent("put", "again", 10*time.Second); !ok {
		t.Fatal("bridge A did not mirror the second node")
	}
	siteA.stop()
	resp, err = siteA.reg.Client().Get(ctx, "/micro/registry/greeter/again")
	if err == nil {
		t.Errorf("the client of a closed registry answered: %v", resp)
	}
	raw, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if resp, err := raw.Get(ctx, "/micro/registry/greeter/again"); err != nil || len(resp.Kvs) != 0 {
		t.Errorf("after bridge A stopped: %v, %v; want the key gone", resp, err)
	}
	if st := siteA.bridge.Stats(); st.Puts != 2 || st.Deletes != 1 {
		t.Errorf("bridge A stats %+v", st)
	}
}

// etcd stopped for 30 s and started again: the bridge retries with
// backoff and loses nothing (a node that came and one that went during
// the outage are right in etcd afterwards); the view at the other site
// keeps the last known nodes, marked stale, and is whole again within
// 2 s of etcd's return.
func TestEtcdOutage(t *testing.T) {
	if testing.Short() {
		t.Skip("30 s outage; not with -short")
	}
	srv := etcdtest.Start(t)
	a := newLAN(t, "a", 1, 3)
	b := newLAN(t, "b", 2, 1)
	siteA := startSite(t, srv, "A", a.regs[2])
	m, _ := view(t, srv, b.regs[0])
	ctx := context.Background()
	if err := a.regs[0].Register(ctx, "", greeter("goes", 8080)); err != nil {
		t.Fatal(err)
	}
	if got, ok := waitView(t, m, 10*time.Second, "goes@10.1.0.1:8080 [etcd:A]"); !ok {
		t.Fatalf("before the outage: %q", got)
	}

	srv.Stop()
	down := time.Now()
	if got, ok := waitView(t, m, 10*time.Second, "goes@10.1.0.1:8080 [etcd:A!]"); !ok {
		t.Errorf("during the outage: %q, want the node kept, stale", got)
	} else {
		t.Logf("view at B marked etcd's nodes stale %v after etcd stopped", time.Since(down).Round(time.Millisecond))
	}
	if err := a.regs[0].Deregister(ctx, "", greeter("goes", 8080)); err != nil {
		t.Fatal(err)
	}
	if err := a.regs[1].Register(ctx, "", greeter("comes", 8081)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(30*time.Second - time.Since(down))
	if st := siteA.bridge.Stats(); st.Failures == 0 {
		t.Errorf("bridge stats %+v: want failed writes retried", st)
	}
	srv.Restart()
	back := time.Now()
	got, ok := waitView(t, m, 10*time.Second, "comes@10.1.0.2:8081 [etcd:A]")
	whole := time.Since(back)
	if !ok {
		t.Fatalf("after etcd's return: %q", got)
	}
	t.Logf("view at B whole again %v after etcd's return", whole.Round(time.Millisecond))
	if whole > 2*time.Second {
		t.Errorf("view whole again after %v, want within 2 s of etcd's return", whole)
	}
	// The source's state follows once its barrier read is through (a
	// read that was waiting on the dead connection times out first).
	for {
		var bad []domains.SourceState
		for _, st := range m.States() {
			if st.State != "ok" {
				bad = append(bad, st)
			}
		}
		if len(bad) == 0 {
			t.Logf("source states ok %v after etcd's return", time.Since(back).Round(time.Millisecond))
			break
		}
		if time.Since(back) > 2*time.Second {
			t.Errorf("2 s after etcd's return, source states %+v", bad)
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
}
