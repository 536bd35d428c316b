package domains

import (
	"context"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Two hosts with nodes of one service both want the micro list entry
// <svc>._services.micro.: one holds it, the other stands by (no renamed
// "(2)" entry, which go-micro would list as a service), and takes over
// when the holder leaves.
func TestMicroListEntryHandover(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 3, Config{Flavour: Micro})
		a, b := greeter("greeter-a", 8001, nil), greeter("greeter-b", 8002, nil)
		mustRegister(t, tn.regs[0], a)
		mustRegister(t, tn.regs[1], b)
		mdnstest.Advance(5 * time.Second)
		for _, p := range tn.link.Packets() {
			m, _ := parseMsg(p.Data)
			for _, rr := range m.answers {
				if strings.Contains(rr.name, "(2)") || strings.Contains(rr.ptr, "(2)") {
					t.Fatalf("renamed record %s → %s", rr.name, rr.ptr)
				}
			}
		}
		list := func() []string {
			t.Helper()
			svcs, err := tn.regs[2].ListServices(context.Background(), "")
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, s := range svcs {
				for _, n := range s.Nodes {
					out = append(out, s.Name+"/"+n.Id)
				}
			}
			slices.Sort(out)
			return out
		}
		if got := list(); !slices.Equal(got, []string{"greeter/greeter-a", "greeter/greeter-b"}) {
			t.Fatalf("ListServices: %q", got)
		}
		listed := func() bool {
			v, _ := tn.regs[2].view("micro")
			v.mu.Lock()
			defer v.mu.Unlock()
			_, ok := v.listed["greeter"]
			return ok
		}
		holder := 0
		if !tn.regs[0].holdsList("micro", "greeter") {
			holder = 1
		}
		if !tn.regs[holder].holdsList("micro", "greeter") || tn.regs[1-holder].holdsList("micro", "greeter") {
			t.Fatal("want exactly one holder of the list entry")
		}
		if err := tn.regs[holder].Deregister(context.Background(), "", []*Service{a, b}[holder]); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(listStandby + 5*time.Second)
		if !tn.regs[1-holder].holdsList("micro", "greeter") || !listed() {
			t.Error("the standby did not take over the list entry")
		}
	})
}
