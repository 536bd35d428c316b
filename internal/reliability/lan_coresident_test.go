package reliability

import (
	"fmt"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// Two mdnskit programs on one host publish the same host name with the
// same addresses. When one withdraws its last service it says goodbye to
// them (RFC 6762 §10.1), and browsers would delete them a second later —
// and with them every service of the other program — had the other not
// rescued them within that second. The soak found this (RELIABILITY.md,
// "Long run"); this is its regression test on real sockets: a service
// stays up on h1 while relpeer churn on h1 registers and withdraws five
// times, and h2's mdns-browse --watch never removes it.
func TestLANCoresidentGoodbye(t *testing.T) {
	if testing.Short() {
		t.Skip("a LAN test of half a minute")
	}
	t.Parallel()
	const typ = "_co._tcp"
	opts := testlan.Options{Hosts: 2, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-browse", "./internal/reliability/relpeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		watch := startTail(h2.Start(t, lan.Bin("mdns-browse"), "--service", typ, "--watch", "--json").LogPath())
		stay := h1.Start(t, lan.Bin("mdns-announce"), "--instance", "stay", "--service", typ, "--port", "7000")
		if !stay.WaitOutput(30*time.Second, "registered") {
			t.Fatalf("h1 did not register:\n%s", stay.Output())
		}
		deadline := time.Now().Add(10 * time.Second)
		for {
			if _, v := browseEvents(watch.lines(), 0); len(v) == 1 && v[0] == "stay" {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("h2 does not show the service:\n%v", watch.lines())
			}
			time.Sleep(100 * time.Millisecond)
		}
		for i := range 5 {
			p := h1.Start(t, lan.Bin("relpeer"), "churn", "-type", typ, "-cycles", "1", "-workers", "1", "-hold", "0", "-prefix", fmt.Sprintf("brief %d", i))
			if err := p.Wait(30 * time.Second); err != nil {
				t.Fatalf("relpeer churn: %v\n%s", err, p.Output())
			}
			time.Sleep(3 * time.Second) // past the second a goodbye leaves
		}
		evs, final := browseEvents(watch.close(), 0)
		removes := 0
		for _, ev := range evs {
			if ev.instance == "stay" && ev.kind == mdns.EventRemove {
				removes++
			}
		}
		if removes > 0 || len(final) != 1 || final[0] != "stay" {
			t.Errorf("h2 removed the service that stayed up %d times while another program on h1 came and went; shows %q at the end", removes, final)
		}
	})
}
