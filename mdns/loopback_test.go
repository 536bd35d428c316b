package mdns_test

import (
	"context"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// An offline machine (only lo): by default both processes fall back to
// loopback, which is then the link, and see each other; Interfaces says
// so. When a real interface comes up it replaces loopback.
func TestLoopbackFallback(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := mdnstest.NewHost(mdnstest.HostConfig{Name: "laptop"})
		defer h.Close()
		pub, browser := listen(t, h, both, seeded(1, 1)), listen(t, h, both, seeded(2, 1))
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

		link := newLink(t)
		if _, err := h.AddInterface(link, mdnstest.InterfaceConfig{Name: "wlan0", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.9/24")}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // the interface watch, then a refresh
		if ifs := browser.Interfaces(); len(ifs) != 1 || ifs[0].Name != "wlan0" {
			t.Errorf("after wlan0 came up, Interfaces() = %+v, want wlan0 only", ifs)
		}
	})
}
