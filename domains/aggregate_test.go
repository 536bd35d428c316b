package domains

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Three hosts register nodes of one service; a fourth host's registry
// aggregates them into one service with three nodes, addresses merged
// from IPv4 and IPv6 (IPv4 preferred), and answers later reads at once.
func TestAggregation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 4, Config{})
		for i := range 3 {
			mustRegister(t, tn.regs[i], greeter("g"+itoa(i+1), 8001+i, map[string]string{"host": "h" + itoa(i+1)}))
		}
		start := time.Now()
		svcs := mustGet(t, tn.regs[3], "greeter", "")
		if d := time.Since(start); d < settleMin || d > settleMax {
			t.Errorf("first GetService took %v, want within [%v, %v]", d, settleMin, settleMax)
		}
		want := []string{
			"greeter/1.0.0 g1@10.0.0.1:8001[local]{host=h1}",
			"greeter/1.0.0 g2@10.0.0.2:8002[local]{host=h2}",
			"greeter/1.0.0 g3@10.0.0.3:8003[local]{host=h3}",
		}
		if got := nodeSummary(svcs); !slices.Equal(got, want) || len(svcs) != 1 {
			t.Fatalf("GetService: %d services, nodes %q, want 1 service with %q", len(svcs), got, want)
		}
		if !equalEndpoints(svcs[0].Endpoints, greeter("x", 1, nil).Endpoints) {
			t.Errorf("endpoints: got %+v", svcs[0].Endpoints)
		}
		start = time.Now()
		svcs = mustGet(t, tn.regs[3], "greeter", "")
		if time.Since(start) != 0 || len(svcs[0].Nodes) != 3 {
			t.Errorf("second GetService took %v and saw %d nodes; want instant, 3", time.Since(start), len(svcs[0].Nodes))
		}
		// The result is the caller's: changing it changes nothing inside.
		svcs[0].Nodes[0].Metadata["host"] = "changed"
		svcs[0].Nodes = nil
		if got := nodeSummary(mustGet(t, tn.regs[3], "greeter", "")); !slices.Equal(got, want) {
			t.Errorf("after modifying a result: %q", got)
		}
		list, err := tn.regs[3].ListServices(context.Background(), "")
		if err != nil || len(list) != 1 || list[0].Name != "greeter" || len(list[0].Nodes) != 3 {
			t.Errorf("ListServices = %v, %v; want greeter with 3 nodes", list, err)
		}
		if _, err := tn.regs[3].GetService(context.Background(), "", "nosuch"); !errors.Is(err, ErrNotFound) {
			t.Errorf("GetService(nosuch) error = %v, want ErrNotFound", err)
		}
	})
}

// A node's new metadata or port is an update in place: one update event,
// the same three nodes; the caller's structures are never touched.
func TestUpdateInPlace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 4, Config{})
		for i := range 3 {
			mustRegister(t, tn.regs[i], greeter("g"+itoa(i+1), 8001+i, map[string]string{"v": "1"}))
		}
		rec := watch(t, tn.regs[3], "", "greeter")
		mdnstest.Advance(2 * time.Second)
		if got := rec.take(); !slices.Equal(sorted(got), []string{"create g1", "create g2", "create g3"}) {
			t.Fatalf("initial events %q", got)
		}

		s := greeter("g1", 8001, map[string]string{"v": "2"})
		before := s.clone()
		mustRegister(t, tn.regs[0], s)
		if !reflect.DeepEqual(s, before) {
			t.Errorf("Register changed the caller's service: %+v", s)
		}
		mdnstest.Advance(2 * time.Second)
		res := rec.results()
		if got := rec.take(); !slices.Equal(got, []string{"update g1"}) {
			t.Fatalf("after a metadata change: events %q, want one update", got)
		}
		if n := res[0].Service.Nodes[0]; n.Metadata["v"] != "2" {
			t.Errorf("update carries metadata %v", n.Metadata)
		}

		mustRegister(t, tn.regs[1], greeter("g2", 9002, map[string]string{"v": "1"}))
		mdnstest.Advance(2 * time.Second)
		res = rec.results()
		if got := rec.take(); !slices.Equal(got, []string{"update g2"}) || res[0].Service.Nodes[0].Address != "10.0.0.2:9002" {
			t.Fatalf("after a port change: events %q (%v)", got, res)
		}
		want := []string{
			"greeter/1.0.0 g1@10.0.0.1:8001[local]{v=2}",
			"greeter/1.0.0 g2@10.0.0.2:9002[local]{v=1}",
			"greeter/1.0.0 g3@10.0.0.3:8003[local]{v=1}",
		}
		if got := nodeSummary(mustGet(t, tn.regs[3], "greeter", "")); !slices.Equal(got, want) {
			t.Errorf("GetService after updates: %q, want %q", got, want)
		}

		// A new version is another service: delete then create.
		s = greeter("g3", 8003, map[string]string{"v": "1"})
		s.Version = "2.0.0"
		mustRegister(t, tn.regs[2], s)
		mdnstest.Advance(2 * time.Second)
		if got := rec.take(); !slices.Equal(got, []string{"delete g3", "create g3"}) {
			t.Errorf("after a version change: events %q", got)
		}
		if svcs := mustGet(t, tn.regs[3], "greeter", ""); len(svcs) != 2 {
			t.Errorf("GetService after a version change: %d services, want 2", len(svcs))
		}
	})
}

// A node that says goodbye is deleted at once; one that goes silent is
// deleted when its records expire, within its (short) TTL.
func TestDeleteOnGoodbyeAndExpiry(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 4, Config{TTL: 10 * time.Second})
		for i := range 3 {
			mustRegister(t, tn.regs[i], greeter("g"+itoa(i+1), 8001+i, nil))
		}
		rec := watch(t, tn.regs[3], "", "")
		mdnstest.Advance(2 * time.Second)
		if got := rec.take(); len(got) != 3 {
			t.Fatalf("initial events %q", got)
		}

		if err := tn.regs[1].Deregister(context.Background(), "", greeter("g2", 8002, nil)); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(1500 * time.Millisecond) // RFC 6762 §10.1: TTL 0 records go after 1 s
		if got := rec.take(); !slices.Equal(got, []string{"delete g2"}) {
			t.Fatalf("after Deregister: events %q", got)
		}

		// h3 crashes: nothing it sends reaches the link any more.
		tn.link.SetFaults(mdnstest.Faults{Hook: func(p *mdnstest.Packet) mdnstest.Verdict {
			if p.Host == "h3" {
				return mdnstest.Drop
			}
			return mdnstest.Deliver
		}})
		crash := time.Now()
		mdnstest.Advance(11 * time.Second)
		rec.mu.Lock()
		at := slices.Clone(rec.at)
		rec.mu.Unlock()
		if got := rec.take(); !slices.Equal(got, []string{"delete g3"}) {
			t.Fatalf("after h3 went silent: events %q", got)
		}
		if d := at[0].Sub(crash); d > 10*time.Second+time.Second {
			t.Errorf("delete came %v after the crash, TTL is 10s", d)
		}
		if got := nodeSummary(mustGet(t, tn.regs[3], "greeter", "")); len(got) != 1 {
			t.Errorf("GetService after: %q, want g1 only", got)
		}
	})
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

// A first read that hears nothing at all waits settleSilent, not
// settleMin: a record multicast just before the browse started is
// repeated only a second later (RFC 6762 §6), and a unicast answer may
// have gone to another process sharing port 5353.
func TestFirstReadWaitsWhenSilent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 1, Config{})
		start := time.Now()
		_, err := tn.regs[0].GetService(context.Background(), "", "nobody")
		if !errors.Is(err, ErrNotFound) {
			t.Fatalf("GetService of nothing: %v, want ErrNotFound", err)
		}
		if d := time.Since(start); d != settleSilent {
			t.Errorf("the first read of a silent link took %v, want %v", d, settleSilent)
		}
	})
}
