package gomicro5_test

import (
	"encoding/json"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// A real go-micro server and client (servicepeer), on three hosts of a
// virtual LAN: a client on go-micro's stock mDNS registry calls, by name,
// a server registered through this package, and a client on this package
// calls a server on the stock registry. Then the first server is killed
// (SIGKILL: no goodbye, no Deregister) and a watcher on this package sees
// the delete within the registration TTL.
func TestLANGoMicroService(t *testing.T) {
	opts := testlan.Options{Hosts: 3, Binaries: []string{"./internal/servicepeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		bin := lan.Bin("servicepeer")
		h1, h2, h3 := lan.Host(1), lan.Host(2), lan.Host(3)
		const ttl = 5 * time.Second

		ours := h1.Start(t, bin, "serve", "-registry", "mdnskit", "-service", "greeter", "-ttl", ttl.String())
		stock := h2.Start(t, bin, "serve", "-registry", "mdns", "-service", "greeter-stock")
		for _, p := range []*testlan.Proc{ours, stock} {
			if !p.WaitOutput(20*time.Second, `"serving":true`) {
				t.Fatalf("server did not start:\n%s", p.Output())
			}
		}
		watch := h3.Start(t, bin, "watch", "-registry", "mdnskit", "-service", "greeter")
		if !watch.WaitOutput(10*time.Second, `"watching":true`) {
			t.Fatalf("watch did not start:\n%s", watch.Output())
		}

		call := func(registry, service, want string) {
			t.Helper()
			out, err := h3.Run(t, 30*time.Second, bin, "call", "-registry", registry, "-service", service, "-name", registry+"-client")
			if err != nil {
				t.Fatalf("%s client calling %s: %v", registry, service, err)
			}
			var rsp struct {
				Msg      string
				Attempts int
			}
			if err := json.Unmarshal([]byte(out), &rsp); err != nil || rsp.Msg != want {
				t.Fatalf("%s client calling %s: %q, want msg %q", registry, service, out, want)
			}
			t.Logf("%s client -> %s: %q after %d call(s)", registry, service, rsp.Msg, rsp.Attempts)
		}
		call("mdns", "greeter", "hello mdns-client from h1")
		call("mdnskit", "greeter-stock", "hello mdnskit-client from h2")

		if !watch.WaitOutput(10*time.Second, `"action":"create"`) {
			t.Fatalf("the watcher saw no create:\n%s", watch.Output())
		}
		killed := time.Now()
		if err := ours.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		if !watch.WaitOutput(ttl+5*time.Second, `"action":"delete"`) {
			t.Fatalf("no delete within %v of SIGKILL:\n%s", ttl+5*time.Second, watch.Output())
		}
		var del struct{ At int64 }
		for _, line := range strings.Split(watch.Output(), "\n") {
			if strings.Contains(line, `"action":"delete"`) {
				json.Unmarshal([]byte(line), &del)
				break
			}
		}
		// The records expire one TTL after the last answer, which came
		// before the kill; what comes on top is the watcher's own
		// processing on a loaded machine.
		d := time.Unix(0, del.At).Sub(killed)
		if d <= 0 || d > ttl+250*time.Millisecond {
			t.Errorf("delete %v after SIGKILL; the registration TTL is %v", d, ttl)
		}
		t.Logf("delete seen %v after SIGKILL (registration TTL %v)", d.Round(time.Millisecond), ttl)
	})
}
