package mdns_test

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// An offline machine (only lo): by default both processes fall back to
// loopback, which is then the link, and see each other; Interfaces says
// so. When a real interface comes up it replaces loopback.
func TestLoopbackFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := mdnstest.NewHost(mdnstest.HostConfig{Name: "laptop"})
		defer h.Close()
		open := func(seed uint64) *mdns.Conn {
			c, err := mdns.Listen(mdns.Config{Network: h, Rand: rand.New(rand.NewPCG(seed, 1))})
			if err != nil {
				t.Fatalf("Listen on a machine with only lo: %v", err)
			}
			t.Cleanup(func() { c.Close() })
			return c
		}
		pub, browser := open(1), open(2)
		if ifs := browser.Interfaces(); len(ifs) != 1 || !ifs[0].Loopback {
			t.Fatalf("Interfaces() = %+v, want lo only", ifs)
		}
		register(t, pub, svc("Offline Web"))
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		e, err := browser.Resolve(ctx, "Offline Web", "_http._tcp", "local")
		if err != nil || e.Port != 8080 {
			t.Fatalf("Resolve over loopback: %+v, %v", e, err)
		}

		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		defer link.Close()
		if _, err := h.AddInterface(link, mdnstest.InterfaceConfig{Name: "wlan0", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.9/24")}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // the interface watch, then a refresh
		if ifs := browser.Interfaces(); len(ifs) != 1 || ifs[0].Name != "wlan0" {
			t.Errorf("after wlan0 came up, Interfaces() = %+v, want wlan0 only", ifs)
		}
	})
}
