package etcd

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	clientv3 "go.etcd.io/etcd/client/v3"
)

// Watch starts with a create per node, then reports create, update and
// delete; a version change is a delete and a create; a watch of one
// domain or service sees only those; several events in one watch
// response are all delivered (go-micro's watcher keeps the first).
func TestWatch(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	cli := rawClient(t, srv)
	ctx := context.Background()
	mustRegister(t, r, greeter("n1", "10.0.0.1:1", nil))
	all, _ := watch(t, r, "", "")
	dev, _ := watch(t, r, "dev", "")
	other, _ := watch(t, r, "", "other")
	if got := all.wait(t, 1); !slices.Equal(got, []string{"create greeter/1.0.0 n1@10.0.0.1:1[local]"}) {
		t.Fatalf("initial: %q", got)
	}
	steps := []struct {
		what string
		do   func()
		want []string
	}{
		{"register n2 in dev", func() { mustRegisterIn(t, r, "dev", greeter("n2", "10.0.0.2:1", nil)) },
			[]string{"create greeter/1.0.0 n2@10.0.0.2:1[dev]"}},
		{"move n1", func() { mustRegister(t, r, greeter("n1", "10.0.0.1:2", nil)) },
			[]string{"update greeter/1.0.0 n1@10.0.0.1:2[local]"}},
		{"new version of n1", func() {
			s := greeter("n1", "10.0.0.1:2", nil)
			s.Version = "2.0.0"
			mustRegister(t, r, s)
		}, []string{"delete greeter/1.0.0 n1@10.0.0.1:2[local]", "create greeter/2.0.0 n1@10.0.0.1:2[local]"}},
		{"deregister n1", func() {
			if err := r.Deregister(ctx, "", greeter("n1", "", nil)); err != nil {
				t.Fatal(err)
			}
		}, []string{"delete greeter/2.0.0 n1@10.0.0.1:2[local]"}},
		{"three nodes in one transaction", func() {
			var ops []clientv3.Op
			for _, id := range []string{"t1", "t2", "t3"} {
				v, _ := encode(greeter(id, "10.0.1.1:1", nil), greeter(id, "10.0.1.1:1", nil).Nodes[0], []string{"local"})
				ops = append(ops, clientv3.OpPut("/micro/registry/greeter/"+id, string(v)))
			}
			if _, err := cli.Txn(ctx).Then(ops...).Commit(); err != nil {
				t.Fatal(err)
			}
		}, []string{"create greeter/1.0.0 t1@10.0.1.1:1[local]", "create greeter/1.0.0 t2@10.0.1.1:1[local]", "create greeter/1.0.0 t3@10.0.1.1:1[local]"}},
	}
	for _, s := range steps {
		s.do()
		if got := all.wait(t, len(s.want)); !slices.Equal(got, s.want) {
			t.Errorf("%s:\n got %q\nwant %q", s.what, got, s.want)
		}
	}
	if got := dev.wait(t, 1); !slices.Equal(got, []string{"create greeter/1.0.0 n2@10.0.0.2:1[dev]"}) {
		t.Errorf("watch of dev: %q", got)
	}
	time.Sleep(100 * time.Millisecond)
	if got := other.wait(t, 0); len(got) != 0 {
		t.Errorf("watch of another service: %q", got)
	}
}

// Watch watches from the revision it read: a change between its read
// and its watch is reported (go-micro watches from "now" and loses it).
func TestWatchFromRevisionRead(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	mustRegister(t, r, greeter("n1", ":1", nil))
	r.afterRead = func() {
		r.afterRead = nil
		other := newReg(t, srv, Config{})
		mustRegister(t, other, greeter("between", ":2", nil))
	}
	rec, _ := watch(t, r, "", "")
	if got := rec.wait(t, 2); !slices.Equal(got, []string{"create greeter/1.0.0 n1@:1[local]", "create greeter/1.0.0 between@:2[local]"}) {
		t.Errorf("events: %q", got)
	}
}

// A watch whose revision was compacted away reads the prefix again and
// reports the difference: deletes for what went, creates for what came.
func TestWatchCompacted(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{})
	cli := rawClient(t, srv)
	ctx := context.Background()
	mustRegister(t, r, greeter("gone", ":1", nil))
	mustRegister(t, r, greeter("stays", ":1", nil))
	r.afterRead = func() {
		r.afterRead = nil
		other := newReg(t, srv, Config{})
		mustRegister(t, other, greeter("new", ":2", nil))
		if err := r.Deregister(ctx, "", greeter("gone", "", nil)); err != nil {
			t.Error(err)
		}
		resp, err := cli.Get(ctx, "/")
		if err == nil {
			_, err = cli.Compact(ctx, resp.Header.Revision)
		}
		if err != nil {
			t.Error(err)
		}
	}
	rec, _ := watch(t, r, "", "")
	want := []string{
		"create greeter/1.0.0 gone@:1[local]", "create greeter/1.0.0 stays@:1[local]",
		"delete greeter/1.0.0 gone@:1[local]", "create greeter/1.0.0 new@:2[local]",
	}
	if got := rec.wait(t, 4); !slices.Equal(got, want) {
		t.Errorf("events:\n got %q\nwant %q", got, want)
	}
	if st := r.Stats(); st.Resyncs != 1 {
		t.Errorf("Resyncs = %d, want 1", st.Resyncs)
	}
}

// A Watch returns ErrUnavailable once etcd has been out of reach for
// Config.Unavailable; reads fail with it at once (after Timeout).
func TestWatchUnavailable(t *testing.T) {
	srv := etcdtest.Start(t)
	r := newReg(t, srv, Config{Unavailable: time.Second, Timeout: time.Second})
	mustRegister(t, r, greeter("n1", ":1", nil))
	rec, _ := watch(t, r, "", "")
	rec.wait(t, 1)
	srv.Stop()
	stopped := time.Now()
	var err error
	select {
	case err = <-rec.done:
	case <-time.After(10 * time.Second):
		t.Fatal("Watch still running 10 s after etcd stopped")
	}
	t.Logf("Watch returned %v after etcd stopped: %v", time.Since(stopped), err)
	if !errors.Is(err, ErrUnavailable) {
		t.Errorf("Watch: %v, want ErrUnavailable", err)
	}
	rec.done <- nil // for the cleanup
	if _, err := r.ListServices(context.Background(), ""); !errors.Is(err, ErrUnavailable) {
		t.Errorf("ListServices with etcd down: %v", err)
	}
	srv.Restart()
	// The client reconnects on gRPC's backoff (1 s and up, with jitter),
	// which can outlast one read's Timeout: reads must work again soon,
	// not at the first try.
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := r.ListServices(context.Background(), "")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ListServices 15 s after the restart: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
