package mdns_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// issue 14: a real net/http client on h3 (internal/httppeer get, dialing
// through mdns.Dialer) fetches pages from h1.local, whose name Avahi
// publishes, and from h2.local, whose name mdns-announce publishes; a
// literal address goes to net.Dialer as it is. A second fetch of the same
// name in the same process is answered from the cache.
func TestLANDialerHTTP(t *testing.T) {
	t.Parallel()
	opts := testlan.Options{Hosts: 3, Binaries: []string{"./internal/httppeer", "./cmd/mdns-announce"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2, h3 := lan.Host(1), lan.Host(2), lan.Host(3)
		h1.StartAvahi(t)
		h1.Start(t, lan.Bin("httppeer"), "serve", ":8080")
		h2.Start(t, lan.Bin("httppeer"), "serve", ":8080")
		ann := h2.Start(t, lan.Bin("mdns-announce"), "-n", "Web", "-s", "_http._tcp", "-p", "8080")
		if !ann.WaitOutput(15*time.Second, "registered") {
			t.Fatalf("announce:\n%s", ann.Output())
		}
		urls := []string{"http://h1.local:8080/", "http://h2.local:8080/x", "http://h2.local:8080/again",
			"http://" + h1.IPv4.String() + ":8080/"}
		var out string
		var err error
		// Avahi may still be probing its name when the test starts.
		for range 5 {
			if out, err = h3.Run(t, 60*time.Second, lan.Bin("httppeer"), append([]string{"get"}, urls...)...); err == nil {
				break
			}
			time.Sleep(2 * time.Second)
		}
		if err != nil {
			t.Fatalf("httppeer get: %v\n%s", err, out)
		}
		type line struct {
			URL    string
			Status int
			Body   string
			MS     float64
			Error  string
		}
		var got []line
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			var x line
			if err := json.Unmarshal([]byte(l), &x); err != nil {
				t.Fatalf("%q: %v", l, err)
			}
			got = append(got, x)
			t.Logf("%s: %d %q in %.1f ms %s", x.URL, x.Status, x.Body, x.MS, x.Error)
		}
		if len(got) != len(urls) {
			t.Fatalf("got %d lines for %d URLs:\n%s", len(got), len(urls), out)
		}
		for i, want := range []string{"hello from h1", "hello from h2", "hello from h2", "hello from h1"} {
			if got[i].Status != 200 || got[i].Body != want {
				t.Errorf("%s: %d %q %s, want 200 %q", got[i].URL, got[i].Status, got[i].Body, got[i].Error, want)
			}
		}
		// The second fetch of h2.local resolves from the cache: a TCP
		// connection on a bridge, no query round trip.
		if got[2].MS > got[1].MS && got[2].MS > 50 {
			t.Errorf("second fetch of h2.local took %.1f ms (first %.1f ms): not from the cache", got[2].MS, got[1].MS)
		}
	})
}
