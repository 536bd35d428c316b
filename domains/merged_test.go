package domains

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

func newMergedT(t *testing.T, cfg MergedConfig) *Merged {
	t.Helper()
	cfg.Logf = t.Logf
	m, err := NewMerged(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if err := m.Close(); err != nil {
			t.Errorf("second Close: %v", err)
		}
	})
	return m
}

func mustNodes(t *testing.T, m *Merged, service string) []string {
	t.Helper()
	ns, err := m.Nodes(context.Background(), "", service)
	if err != nil {
		t.Fatalf("Nodes: %v", err)
	}
	return mergedSummary(ns)
}

// mergedRecorder collects WatchNodes events in the background.
type mergedRecorder struct {
	mu  sync.Mutex
	evs []string
}

func watchMerged(t *testing.T, m *Merged, service string) *mergedRecorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	rec := &mergedRecorder{}
	done := make(chan error, 1)
	go func() {
		done <- m.WatchNodes(ctx, "", service, func(ev MergedEvent) error {
			rec.mu.Lock()
			rec.evs = append(rec.evs, ev.Action+" "+mergedSummary([]*MergedNode{ev.Node})[0])
			rec.mu.Unlock()
			return nil
		})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("WatchNodes ended with %v", err)
		}
	})
	return rec
}

func (r *mergedRecorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.evs
	r.evs = nil
	return out
}

// Istio's rules: one node per id with every source and its address; an
// authoritative source (etcd) wins over mDNS; otherwise the source that
// showed the node first wins, ties to the earlier source; disagreements
// on port, version and metadata are reported (istio#46105 drops them),
// the copy's own tags (domain, site, link) are not disagreements.
func TestMergedPrecedence(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mdnsA, mdnsB, etcd := newFakeSource(), newFakeSource(), newFakeSource()
		m := newMergedT(t, MergedConfig{Sources: []MergedSource{
			{Name: "mdns:eth0", Source: mdnsA},
			{Name: "mdns:eth1", Source: mdnsB},
			{Name: "etcd", Source: etcd, Authoritative: true},
		}})
		// n1 heard on both links and in etcd, through a bridge at berlin.
		mdnsA.put(node("greeter", "1.0.0", "n1", "10.0.0.1:8080", map[string]string{"k": "a"}))
		mdnsB.put(node("greeter", "1.0.0", "N1", "10.1.0.1:8080", map[string]string{"k": "a"}))
		etcd.put(node("greeter", "1.0.0", "n1", "10.0.0.1:8081", map[string]string{"k": "a", MetaSite: "berlin", MetaLink: "eth0", MetaDomain: "local"}))
		// n2 only on mDNS; n3 first on eth1, then on eth0 with another
		// version and metadata.
		mdnsA.put(node("greeter", "1.0.0", "n2", "10.0.0.2:8080", nil))
		mdnsB.put(node("greeter", "1.0.0", "n3", "10.1.0.3:9000", map[string]string{"z": "1"}))

		got := mustNodes(t, m, "greeter")
		mdnsA.put(node("greeter", "2.0.0", "n3", "10.0.0.3:9000", map[string]string{"z": "2", "y": "x"}))
		synctest.Wait()
		got = mustNodes(t, m, "greeter")
		want := []string{
			"greeter/1.0.0 n1@10.0.0.1:8081 [etcd:berlin=10.0.0.1:8081,mdns:eth0=10.0.0.1:8080,mdns:eth1=10.1.0.1:8080] {mdns:eth0 port 8080/8081; mdns:eth1 port 8080/8081}",
			"greeter/1.0.0 n2@10.0.0.2:8080 [mdns:eth0=10.0.0.2:8080]",
			"greeter/1.0.0 n3@10.1.0.3:9000 [mdns:eth1=10.1.0.3:9000,mdns:eth0=10.0.0.3:9000] {mdns:eth0 version 2.0.0/1.0.0; mdns:eth0 metadata:y x/<unset>; mdns:eth0 metadata:z 2/1}",
		}
		if !slices.Equal(got, want) {
			t.Errorf("merged nodes:\n got %q\nwant %q", got, want)
		}
		svcs, err := m.GetService(context.Background(), "", "greeter")
		if err != nil || len(svcs) != 1 || len(svcs[0].Nodes) != 3 {
			t.Fatalf("GetService = %v, %v; want one service with 3 nodes", svcs, err)
		}
		if n := svcs[0].Nodes[0]; n.Address != "10.0.0.1:8081" || n.Metadata[MetaSite] != "berlin" {
			t.Errorf("n1 is %+v; want etcd's copy", n)
		}
		if st := m.Stats(); st.Conflicts != 2 {
			t.Errorf("Stats().Conflicts = %d, want 2 (n1, n3)", st.Conflicts)
		}
		// Ties between sources showing a node at once go to the earlier one.
		tie := newMergedT(t, MergedConfig{Sources: []MergedSource{{Name: "a", Source: mdnsB}, {Name: "b", Source: mdnsA}}})
		if got := mustNodes(t, tie, "greeter"); !slices.Contains(got, "greeter/1.0.0 N1@10.1.0.1:8080 [a=10.1.0.1:8080,b=10.0.0.1:8080]") {
			t.Errorf("tie: %q", got)
		}
		for _, f := range []*fakeSource{mdnsA, mdnsB, etcd} {
			f.checkUntouched(t)
		}
	})
}

// Watch of a merged view: create when the first source shows a node,
// update when the merged node changes, delete only when the last source
// drops it. Watch reports changes of the winning copy; WatchNodes also
// changes of sources.
func TestMergedWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mdnsA, etcd := newFakeSource(), newFakeSource()
		m := newMergedT(t, MergedConfig{Sources: []MergedSource{
			{Name: "mdns:eth0", Source: mdnsA},
			{Name: "etcd", Source: etcd, Authoritative: true},
		}})
		detail := watchMerged(t, m, "")
		var mu sync.Mutex
		var results []string
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() {
			done <- m.Watch(ctx, "", "greeter", func(r Result) error {
				mu.Lock()
				results = append(results, r.Action+" "+r.Service.Nodes[0].Address)
				mu.Unlock()
				return nil
			})
		}()
		synctest.Wait()

		step := func(what string, do func(), wantDetail, wantPlain []string) {
			t.Helper()
			do()
			synctest.Wait()
			if got := detail.take(); !slices.Equal(got, wantDetail) {
				t.Errorf("%s: WatchNodes\n got %q\nwant %q", what, got, wantDetail)
			}
			mu.Lock()
			got := results
			results = nil
			mu.Unlock()
			if !slices.Equal(got, wantPlain) {
				t.Errorf("%s: Watch got %q, want %q", what, got, wantPlain)
			}
		}
		step("mdns shows n1", func() { mdnsA.put(node("greeter", "1", "n1", "10.0.0.1:80", nil)) },
			[]string{"create greeter/1 n1@10.0.0.1:80 [mdns:eth0=10.0.0.1:80]"},
			[]string{"create 10.0.0.1:80"})
		step("etcd shows n1 too, same data", func() { etcd.put(node("greeter", "1", "n1", "10.0.0.1:80", nil)) },
			[]string{"update greeter/1 n1@10.0.0.1:80 [etcd=10.0.0.1:80,mdns:eth0=10.0.0.1:80]"},
			nil)
		step("etcd's copy moves", func() { etcd.put(node("greeter", "1", "n1", "10.0.0.9:80", nil)) },
			[]string{"update greeter/1 n1@10.0.0.9:80 [etcd=10.0.0.9:80,mdns:eth0=10.0.0.1:80]"},
			[]string{"update 10.0.0.9:80"})
		step("mdns drops it", func() { mdnsA.remove("greeter", "n1") },
			[]string{"update greeter/1 n1@10.0.0.9:80 [etcd=10.0.0.9:80]"},
			nil)
		step("etcd changes the version", func() { etcd.put(node("greeter", "2", "n1", "10.0.0.9:80", nil)) },
			[]string{"delete greeter/1 n1@10.0.0.9:80 [etcd=10.0.0.9:80]", "create greeter/2 n1@10.0.0.9:80 [etcd=10.0.0.9:80]"},
			[]string{"delete 10.0.0.9:80", "create 10.0.0.9:80"})
		step("the last source drops it", func() { etcd.remove("greeter", "n1") },
			[]string{"delete greeter/2 n1@10.0.0.9:80 [etcd=10.0.0.9:80]"},
			[]string{"delete 10.0.0.9:80"})
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("Watch ended with %v", err)
		}
	})
}

// A failing source keeps its last known nodes, marked stale (istio#44467);
// when it answers again its nodes are read afresh: those it lost meanwhile
// are deleted, the others fresh again, within RetryMax of its return.
func TestMergedStaleOnError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		mdnsA, etcd := newFakeSource(), newFakeSource()
		m := newMergedT(t, MergedConfig{Sources: []MergedSource{
			{Name: "mdns:eth0", Source: mdnsA},
			{Name: "etcd", Source: etcd, Authoritative: true},
		}})
		etcd.put(node("greeter", "1", "n1", "10.0.0.1:80", nil))
		etcd.put(node("greeter", "1", "n2", "10.0.0.2:80", nil))
		mdnsA.put(node("greeter", "1", "n2", "10.0.0.2:80", nil))
		mustNodes(t, m, "")
		rec := watchMerged(t, m, "")
		synctest.Wait()
		rec.take()

		etcd.setDown(true)
		synctest.Wait()
		if got, want := mustNodes(t, m, ""), []string{
			"greeter/1 n1@10.0.0.1:80 [etcd!=10.0.0.1:80]",
			"greeter/1 n2@10.0.0.2:80 [etcd!=10.0.0.2:80,mdns:eth0=10.0.0.2:80]",
		}; !slices.Equal(got, want) {
			t.Errorf("while etcd is down:\n got %q\nwant %q", got, want)
		}
		st := m.States()
		if len(st) != 2 || st[1].Source != "etcd" || st[1].State != "stale" || !errors.Is(st[1].Err, errDown) || st[0].State != "ok" {
			t.Errorf("States = %+v", st)
		}
		if got := rec.take(); len(got) != 2 {
			t.Errorf("events when etcd failed: %q; want an update per node", got)
		}
		// Down for 30 s; meanwhile n1 goes (its lease ended) and n3 comes.
		time.Sleep(30 * time.Second)
		if got := mustNodes(t, m, ""); len(got) != 2 {
			t.Errorf("after 30 s down: %q", got)
		}
		etcd.remove("greeter", "n1")
		etcd.put(node("greeter", "1", "n3", "10.0.0.3:80", nil))
		back := time.Now()
		etcd.setDown(false)
		for len(m.States()) != 2 || m.States()[1].State != "ok" {
			time.Sleep(10 * time.Millisecond)
		}
		// The state turns ok under the view's lock; the watchers' events
		// go out on their own goroutines: let them run.
		synctest.Wait()
		if d := time.Since(back); d > time.Second {
			t.Errorf("whole again %v after etcd's return, want ≤ RetryMax (1 s)", d)
		}
		if got, want := mustNodes(t, m, ""), []string{
			"greeter/1 n2@10.0.0.2:80 [etcd=10.0.0.2:80,mdns:eth0=10.0.0.2:80]",
			"greeter/1 n3@10.0.0.3:80 [etcd=10.0.0.3:80]",
		}; !slices.Equal(got, want) {
			t.Errorf("after etcd's return:\n got %q\nwant %q", got, want)
		}
		got := rec.take()
		for _, w := range []string{
			"create greeter/1 n3@10.0.0.3:80 [etcd=10.0.0.3:80]",
			"update greeter/1 n2@10.0.0.2:80 [etcd=10.0.0.2:80,mdns:eth0=10.0.0.2:80]",
			"delete greeter/1 n1@10.0.0.1:80 [etcd!=10.0.0.1:80]",
		} {
			if !slices.Contains(got, w) {
				t.Errorf("events after the return lack %q: %q", w, got)
			}
		}
		if m.Stats().Restarts == 0 {
			t.Error("Stats().Restarts = 0")
		}
		etcd.checkUntouched(t)
	})
}

// Stale nodes go once StaleTTL has passed since their source failed.
func TestMergedStaleTTL(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		etcd := newFakeSource()
		m := newMergedT(t, MergedConfig{StaleTTL: 10 * time.Second, Sources: []MergedSource{{Name: "etcd", Source: etcd, Authoritative: true}}})
		etcd.put(node("greeter", "1", "n1", "10.0.0.1:80", nil))
		mustNodes(t, m, "")
		etcd.setDown(true)
		time.Sleep(9 * time.Second)
		if got := mustNodes(t, m, ""); len(got) != 1 {
			t.Errorf("9 s down: %q, want n1 stale", got)
		}
		time.Sleep(2 * time.Second)
		if got := mustNodes(t, m, ""); len(got) != 0 {
			t.Errorf("11 s down, StaleTTL 10 s: %q, want nothing", got)
		}
		if st := m.Stats(); st.StaleDropped != 1 {
			t.Errorf("StaleDropped = %d", st.StaleDropped)
		}
	})
}

// The first read waits for each source at most FirstRead (istio#32102: a
// remote that never syncs must not block the view); a late source joins
// with create events.
func TestMergedFirstReadBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		fast, slow := newFakeSource(), newFakeSource()
		slow.hold = make(chan struct{})
		fast.put(node("greeter", "1", "n1", "10.0.0.1:80", nil))
		slow.put(node("greeter", "1", "n2", "10.0.0.2:80", nil))
		m := newMergedT(t, MergedConfig{Sources: []MergedSource{
			{Name: "fast", Source: fast},
			{Name: "slow", Source: slow, Authoritative: true},
		}})
		start := time.Now()
		svcs, err := m.ListServices(context.Background(), "")
		if d := time.Since(start); err != nil || d != defaultFirstRead {
			t.Errorf("first ListServices took %v (%v), want FirstRead %v", d, err, defaultFirstRead)
		}
		// The slow source's Watch runs, so its node is there; only its
		// read (the barrier) hangs.
		if got := nodeSummary(svcs); len(got) != 2 {
			t.Errorf("ListServices = %q", got)
		}
		if st := m.States(); st[1].State != "timeout" || st[0].State != "ok" {
			t.Errorf("States = %+v", st)
		}
		start = time.Now()
		mustNodes(t, m, "")
		if time.Since(start) != 0 {
			t.Error("a later read waited")
		}
		close(slow.hold)
		time.Sleep(time.Second) // its next try (RetryMin later) is answered
		if st := m.States(); st[1].State != "ok" {
			t.Errorf("after the slow source answered: %+v", st[1])
		}
		// A source that fails from the start: the view still answers.
		dead := newFakeSource()
		dead.setDown(true)
		m2 := newMergedT(t, MergedConfig{Sources: []MergedSource{{Name: "fast", Source: fast}, {Name: "dead", Source: dead}}})
		start = time.Now()
		if got := mustNodes(t, m2, ""); len(got) != 1 || time.Since(start) != defaultFirstRead {
			t.Errorf("with a dead source: %q after %v", got, time.Since(start))
		}
		if st := m2.States(); st[1].State != "stale" {
			t.Errorf("dead source state %+v", st[1])
		}
	})
}

// A source whose barrier read failed long enough to back off to RetryMax
// is read again RetryMin after its Watch reports a node, not RetryMax
// later: a source that answers is shown ok at once.
func TestMergedRetryOnReport(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		etcd := newFakeSource()
		etcd.listDown = true
		m := newMergedT(t, MergedConfig{RetryMax: time.Minute, Sources: []MergedSource{{Name: "etcd", Source: etcd, Authoritative: true}}})
		mustNodes(t, m, "")
		time.Sleep(5 * time.Minute) // the backoff is at a minute now
		if st := m.States(); st[0].State != "timeout" {
			t.Fatalf("while its reads fail: %+v", st[0])
		}
		etcd.mu.Lock()
		etcd.listDown = false
		etcd.mu.Unlock()
		reported := time.Now()
		etcd.put(node("greeter", "1", "n1", "10.0.0.1:80", nil))
		for m.States()[0].State != "ok" {
			time.Sleep(10 * time.Millisecond)
		}
		if d := time.Since(reported); d > defaultRetryMin {
			t.Errorf("ok %v after the Watch reported, want ≤ RetryMin (%v)", d, defaultRetryMin)
		}
		if got := mustNodes(t, m, ""); len(got) != 1 {
			t.Errorf("Nodes = %q", got)
		}
	})
}

// Over real registries on a simulated link: the view merges what h1 and
// h2 register, heard by h3's Registry, with an authoritative fake; a
// goodbye deletes a node; results are the caller's to change.
func TestMergedOverMDNS(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 3, Config{})
		etcd := newFakeSource()
		m := newMergedT(t, MergedConfig{Sources: []MergedSource{
			{Name: "mdns:eth0", Source: tn.regs[2]},
			{Name: "etcd", Source: etcd, Authoritative: true},
		}})
		mustRegister(t, tn.regs[0], greeter("g1", 8001, map[string]string{"k": "v"}))
		mustRegister(t, tn.regs[1], greeter("g2", 8002, nil))
		etcd.put(node("greeter", "1.0.0", "g2", "192.0.2.2:8002", map[string]string{MetaSite: "paris"}))
		rec := watchMerged(t, m, "greeter")
		start := time.Now()
		got := mustNodes(t, m, "greeter")
		if d := time.Since(start); d > defaultFirstRead {
			t.Errorf("first read took %v", d)
		}
		want := []string{
			"greeter/1.0.0 g1@10.0.0.1:8001 [mdns:eth0=10.0.0.1:8001]",
			"greeter/1.0.0 g2@192.0.2.2:8002 [etcd:paris=192.0.2.2:8002,mdns:eth0=10.0.0.2:8002]",
		}
		if !slices.Equal(got, want) {
			t.Fatalf("merged:\n got %q\nwant %q", got, want)
		}
		svcs, err := m.GetService(context.Background(), "", "greeter")
		if err != nil || len(svcs) != 1 {
			t.Fatalf("GetService = %v, %v", svcs, err)
		}
		svcs[0].Nodes[0].Metadata["k"] = "changed"
		svcs[0].Endpoints[0].Name = "changed"
		if again, _ := m.GetService(context.Background(), "", "greeter"); again[0].Nodes[0].Metadata["k"] != "v" || again[0].Endpoints[0].Name != "Greeter.Hello" {
			t.Errorf("changing a result changed the view: %+v", again[0])
		}
		mdnstest.Advance(time.Second)
		rec.take()
		if err := tn.regs[0].Deregister(context.Background(), "", greeter("g1", 8001, nil)); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(2 * time.Second) // goodbye, then removal after 1 s (RFC 6762 §10.1)
		if got := rec.take(); !slices.Equal(got, []string{"delete greeter/1.0.0 g1@10.0.0.1:8001 [mdns:eth0=10.0.0.1:8001]"}) {
			t.Errorf("after g1's goodbye: %q", got)
		}
		etcd.checkUntouched(t)
	})
}

func TestMergedConfig(t *testing.T) {
	f := newFakeSource()
	for _, cfg := range []MergedConfig{
		{Sources: []MergedSource{{Name: "a"}}},
		{Sources: []MergedSource{{Source: f}}},
		{Sources: []MergedSource{{Name: "a", Source: f}, {Name: "a", Source: f}}},
		{Domain: "bad domain"},
	} {
		if _, err := NewMerged(cfg); err == nil {
			t.Errorf("NewMerged(%+v) accepted", cfg)
		}
	}
	m, err := NewMerged(MergedConfig{})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	if _, err := m.ListServices(context.Background(), ""); !errors.Is(err, ErrClosed) {
		t.Errorf("ListServices after Close: %v", err)
	}
	if ttl := ApplyRegisterOptions(nil, WithTTL(time.Minute)); ttl != time.Minute {
		t.Errorf("ApplyRegisterOptions = %v", ttl)
	}
}
