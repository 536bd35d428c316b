package domains

import (
	"context"
	"os"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// On a real LAN (network namespaces, real sockets): three hosts register
// one service in dev and prod (h3 in both); a registry in the test process
// sees only dev nodes in dev and every node, marked with its origin, in
// the global domain; a host killed with SIGKILL (no goodbye) is deleted
// within its TTL.
func TestLANDomainsAndCrash(t *testing.T) {
	t.Parallel()
	const ttl = 3 * time.Second
	testlan.Run(t, testlan.Options{Hosts: 3, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		doms := []string{"dev", "prod", "dev,prod"}
		procs := make([]*testlan.Proc, 3)
		for i, d := range doms {
			h := lan.Host(i + 1)
			procs[i] = h.Start(t, exe, peerCommand, "-id", "g"+itoa(i+1), "-port", itoa(8001+i), "-domains", d, "-ttl", ttl.String())
		}
		for i, p := range procs {
			if !p.WaitOutput(15*time.Second, "registered") {
				t.Fatalf("h%d did not register:\n%s", i+1, p.Output())
			}
		}
		r, err := New(Config{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ctx := context.Background()
		// get polls: the first read waits at most 1.5 s for answers, which
		// a loaded machine starting three peers may need longer to send.
		get := func(domain string, want []string) []string {
			t.Helper()
			var got []string
			for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(200 * time.Millisecond) {
				svcs, _ := r.GetService(ctx, domain, "greeter")
				if got = nodeSummary(svcs); slices.Equal(got, want) {
					break
				}
			}
			return got
		}
		want := []string{
			"greeter/1.0.0 g1@10.99.0.1:8001[dev]{host=h1}",
			"greeter/1.0.0 g3@10.99.0.3:8003[dev]{host=h3}",
		}
		if got := get("dev", want); !slices.Equal(got, want) {
			t.Errorf("dev:\n got %q\nwant %q", got, want)
		}
		want = []string{
			"greeter/1.0.0 g1@10.99.0.1:8001[dev]{host=h1}",
			"greeter/1.0.0 g2@10.99.0.2:8002[prod]{host=h2}",
			"greeter/1.0.0 g3@10.99.0.3:8003[dev,prod]{host=h3}",
		}
		if got := get("local", want); !slices.Equal(got, want) {
			t.Errorf("global (local):\n got %q\nwant %q", got, want)
		}

		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		deleted := make(chan string, 10)
		go r.Watch(wctx, "local", "greeter", func(res Result) error {
			if res.Action == ActionDelete {
				deleted <- res.Service.Nodes[0].Id
			}
			return nil
		})
		killed := time.Now()
		if err := procs[1].Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		select {
		case id := <-deleted:
			if id != "g2" {
				t.Errorf("deleted %q, want g2", id)
			}
			t.Logf("g2 deleted %v after SIGKILL (TTL %v)", time.Since(killed).Round(time.Millisecond), ttl)
		case <-time.After(ttl + 3*time.Second): // TTL plus the 1 s grace of RFC 6762 §10.1 and scheduling slack
			t.Fatalf("no delete of g2 within %v of SIGKILL", ttl+3*time.Second)
		}
	})
}
