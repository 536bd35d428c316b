package main

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// Issue 10: behind an Avahi reflector. h1 on br0 and h2 on br1 are two
// links joined by a router running avahi-daemon with enable-reflector=yes
// (RFC 6762 §9: identical records, even reflected back to their origin,
// are no conflict). The service announced on h1 is browsable from h2, is
// not renamed in 60 s, and its goodbye crosses the reflector.
func TestLANBehindReflector(t *testing.T) {
	t.Parallel()
	opts := testlan.Options{Hosts: 2, SecondLink: []int{2}, Binaries: lanOpts.Binaries}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2, r := lan.Host(1), lan.Host(2), lan.Router()
		r.StartAvahi(t, "enable-reflector=yes")
		stop := lan.Capture(t, "reflector")
		defer stop()
		// Browsers on both links keep queries and answers crossing the
		// reflector both ways for the whole minute.
		local := h1.Start(t, lan.Bin("mdns-browse"), "--watch", "--json")
		ann := h1.Start(t, lan.Bin("mdns-announce"), "--instance", "Reflected", "--service", "_http._tcp", "--port", "8080", "--json", "-v")
		if !ann.WaitOutput(10*time.Second, `"event":"registered"`) {
			t.Fatalf("announce did not register:\n%s", ann.Output())
		}
		remote := h2.Start(t, lan.Bin("mdns-browse"), "--service", "_http._tcp", "--watch", "--json")
		if !remote.WaitOutput(15*time.Second, `"instance":"Reflected"`) {
			t.Fatalf("h2 did not see the service across the reflector:\n%s", remote.Output())
		}
		time.Sleep(60 * time.Second)
		if out := ann.Output(); strings.Contains(out, "renamed") || strings.Contains(out, "(2)") || strings.Contains(out, "-2.local") {
			t.Errorf("a reflected record was taken for a conflict:\n%s", out)
		}
		if strings.Contains(remote.Output(), `"event":"remove"`) {
			t.Errorf("h2 lost the service while it was announced:\n%s", remote.Output())
		}
		if err := ann.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if !remote.WaitOutput(5*time.Second, `"event":"remove"`) {
			t.Fatalf("the goodbye did not cross the reflector:\n%s", remote.Output())
		}
		_ = local
	})
}
