package domains

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"github.com/mdnskit/mdnskit/txt"
)

// Registrations in dev and prod are mirrored into the global domain
// ("local"): reads of dev and prod see their own nodes, reads of the
// global domain see all of them marked with their origin. A node one
// registry registers in both dev and prod is one global instance. No name
// is ever renamed, the caller's service is never changed, and
// deregistering withdraws both the node and its mirror.
func TestMirror(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 4, Config{})
		r1, r2, r3, reader := tn.regs[0], tn.regs[1], tn.regs[2], tn.regs[3]
		s1 := greeter("n1", 8001, map[string]string{"k": "1"})
		before := s1.clone()
		mustRegisterIn(t, r1, "dev", s1)
		if !reflect.DeepEqual(s1, before) {
			t.Errorf("Register changed the caller's service: %+v", s1.Nodes[0])
		}
		mustRegisterIn(t, r2, "prod", greeter("n2", 8002, nil))
		mustRegisterIn(t, r3, "dev", greeter("n3", 8003, nil))
		mustRegisterIn(t, r3, "prod", greeter("n3", 8003, nil))
		mustRegister(t, r3, greeter("n4", 8004, nil)) // directly in the global domain

		check := func(domain string, want ...string) {
			t.Helper()
			svcs, err := reader.GetService(context.Background(), domain, "greeter")
			if err != nil && (len(want) > 0 || !errors.Is(err, ErrNotFound)) {
				t.Fatalf("GetService in %q: %v", domain, err)
			}
			if got := nodeSummary(svcs); !slices.Equal(got, want) {
				t.Errorf("GetService in %q:\n got %q\nwant %q", domain, got, want)
			}
		}
		check("dev",
			"greeter/1.0.0 n1@10.0.0.1:8001[dev]{k=1}",
			"greeter/1.0.0 n3@10.0.0.3:8003[dev]{}")
		check("prod",
			"greeter/1.0.0 n2@10.0.0.2:8002[prod]{}",
			"greeter/1.0.0 n3@10.0.0.3:8003[prod]{}")
		check("local",
			"greeter/1.0.0 n1@10.0.0.1:8001[dev]{k=1}",
			"greeter/1.0.0 n2@10.0.0.2:8002[prod]{}",
			"greeter/1.0.0 n3@10.0.0.3:8003[dev,prod]{}",
			"greeter/1.0.0 n4@10.0.0.3:8004[local]{}")

		// Every instance went out under its node id: no conflict, no rename.
		for _, p := range tn.link.Packets() {
			m, err := parseMsg(p.Data)
			if err != nil {
				t.Fatalf("packet %d: %v", p.Seq, err)
			}
			for _, rr := range m.answers {
				if strings.Contains(rr.name, "(2)") || strings.Contains(rr.ptr, "(2)") {
					t.Errorf("packet %d: renamed instance %s → %s", p.Seq, rr.name, rr.ptr)
				}
			}
		}
		// The mirror is readable DNS-SD: domain=dev among the attributes.
		if !slices.ContainsFunc(tn.link.Packets(), func(p mdnstest.Packet) bool {
			m, _ := parseMsg(p.Data)
			for _, rr := range m.answers {
				if rr.typ == tTXT && strings.HasPrefix(rr.name, "n1._greeter._tcp.local.") {
					v, ok := txt.Decode(rr.txt).Get("domain")
					return ok && string(v) == "dev"
				}
			}
			return false
		}) {
			t.Error("no TXT record for n1._greeter._tcp.local with domain=dev")
		}

		rec := watch(t, reader, "local", "greeter")
		mdnstest.Advance(time.Second)
		rec.take()
		ctx := context.Background()
		if err := r1.Deregister(ctx, "dev", greeter("n1", 8001, nil)); err != nil {
			t.Fatal(err)
		}
		if err := r3.Deregister(ctx, "dev", greeter("n3", 8003, nil)); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(2 * time.Second)
		if got := sorted(rec.take()); !slices.Equal(got, []string{"delete n1", "update n3"}) {
			t.Errorf("global watch after deregistering n1 and n3 from dev: %q", got)
		}
		check("dev")
		check("local",
			"greeter/1.0.0 n2@10.0.0.2:8002[prod]{}",
			"greeter/1.0.0 n3@10.0.0.3:8003[prod]{}",
			"greeter/1.0.0 n4@10.0.0.3:8004[local]{}")
	})
}

// Long, dotted or capitalised names do not fit an RFC 6763 §7.2 service
// name: the type is a cut, hashed form and the full name rides in the TXT
// record; reads give the full name back and keep similar names apart.
func TestServiceNameMapping(t *testing.T) {
	for _, tc := range []struct{ name, label string }{
		{"greeter", "greeter"},
		{"Greeter", "greeter"},
		{"go.micro.srv.greeter", "go-micro-s-"},
		{"user_service", "user-service"},
		{"123", "s-123"},
		{"a-very-long-service-name", "a-very-lon-"},
	} {
		l, exact := serviceLabel(tc.name)
		if !strings.HasPrefix(l, tc.label) || len(l) > maxServiceLabel || exact != (tc.name == l) {
			t.Errorf("serviceLabel(%q) = %q, %v; want prefix %q, ≤15", tc.name, l, exact, tc.label)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, Config{})
		a, b := greeter("a1", 8001, nil), greeter("b1", 8002, nil)
		a.Name, b.Name = "go.micro.srv.greeter", "go.micro.srv.greeter2"
		mustRegister(t, tn.regs[0], a)
		mustRegister(t, tn.regs[0], b)
		got := mustGet(t, tn.regs[1], "go.micro.srv.greeter", "")
		if len(got) != 1 || got[0].Name != a.Name || len(got[0].Nodes) != 1 || got[0].Nodes[0].Id != "a1" {
			t.Errorf("GetService(%q) = %q", a.Name, nodeSummary(got))
		}
		if _, has := got[0].Nodes[0].Metadata[MetaService]; has {
			t.Errorf("the service attribute leaked into node metadata: %v", got[0].Nodes[0].Metadata)
		}
	})
}

func TestNodeID(t *testing.T) {
	for _, name := range []string{"greeter", "go.micro.srv.greeter", strings.Repeat("x", 100), "", "ünïcode"} {
		id := NewNodeID(name)
		if len(id) > 63 || ValidateNodeID(id, Micro) != nil || ValidateNodeID(id, DNSSD) != nil {
			t.Errorf("NewNodeID(%q) = %q (%d bytes), invalid", name, id, len(id))
		}
		if id2 := NewNodeID(name); id2 == id {
			t.Errorf("NewNodeID(%q) twice gave %q", name, id)
		}
		if name == "greeter" && (!strings.HasPrefix(id, "greeter-") || len(id) != len("greeter-")+36 || id[len("greeter-")+14] != '4') {
			t.Errorf("NewNodeID(greeter) = %q, want greeter-<uuid v4>", id)
		}
	}
	for _, bad := range []string{"", strings.Repeat("x", 64), "a\x00b"} {
		if ValidateNodeID(bad, DNSSD) == nil {
			t.Errorf("ValidateNodeID(%q) accepted", bad)
		}
	}
	if ValidateNodeID("a.b", Micro) == nil || ValidateNodeID("a.b", DNSSD) != nil {
		t.Error("a dotted id: want refused by the micro flavour only")
	}
}
