package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	"github.com/mdnskit/mdnskit/internal/testlan"
)

// The built binary on a real (virtual) LAN: network namespaces h1, h2 on
// a bridge (internal/testlan). etcd runs inside h2's namespace, on its
// loopback only. Without root the test skips (fails under
// MDNS_REQUIRE_LAN=1); without etcd it skips (fails under
// MDNSKIT_REQUIRE_ETCD=1).
func TestLANBridge(t *testing.T) {
	etcdBin := etcdtest.Binary(t)
	etcdctl, err := exec.LookPath("etcdctl")
	if err != nil {
		testlan.SkipOrFail(t, "no etcdctl (Debian etcd-client): %v", err)
	}
	opts := testlan.Options{Hosts: 2, Binaries: []string{"./cmd/mdns-bridge", "github.com/mdnskit/mdnskit/cmd/mdns-announce"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h2.Start(t, etcdBin, etcdtest.Args("lan", t.TempDir(), 2379, 2380)...)
		const url = "http://127.0.0.1:2379"
		ctl := func(args ...string) string {
			out, err := h2.Run(t, 10*time.Second, etcdctl, append([]string{"--endpoints", url}, args...)...)
			if err != nil {
				t.Fatalf("etcdctl %s: %v", strings.Join(args, " "), err)
			}
			return out
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			if _, err := h2.Run(t, 5*time.Second, etcdctl, "--endpoints", url, "endpoint", "health"); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("etcd on h2 not healthy within 20 s")
			}
			time.Sleep(200 * time.Millisecond)
		}

		ann := h1.Start(t, lan.Bin("mdns-announce"), "--service", "greeter", "--instance", "greeter-1", "--port", "8080",
			"--service-version", "1.0.0", "--meta", "region=eu", "--json")
		if !ann.WaitOutput(15*time.Second, `"event":"registered"`) {
			t.Fatalf("announce:\n%s", ann.Output())
		}
		br := h2.Start(t, lan.Bin("mdns-bridge"), "--etcd", url, "--site", "A", "--json", "--verbose")
		if !br.WaitOutput(15*time.Second, `"event":"put"`) {
			t.Fatalf("bridge did not mirror:\n%s", br.Output())
		}
		// Any etcd client (go-micro's) finds the node in go-micro's layout.
		if got := ctl("get", "--print-value-only", "/micro/registry/greeter/greeter-1"); !strings.Contains(got, `"address":"`+h1.IPv4.String()+`:8080"`) ||
			!strings.Contains(got, `"mdnskit.site":"A"`) || !strings.Contains(got, `"mdnskit.link":"e2"`) || !strings.Contains(got, `"region":"eu"`) {
			t.Errorf("etcd holds %s", got)
		}

		out, err := h2.Run(t, 15*time.Second, lan.Bin("mdns-bridge"), "--etcd", url, "--list", "--json")
		if err != nil {
			t.Fatal(err)
		}
		var rec struct {
			Instance string   `json:"instance"`
			Host     string   `json:"host"`
			Port     int      `json:"port"`
			Sources  []string `json:"sources"`
			Stale    []string `json:"stale"`
		}
		if err := json.Unmarshal([]byte(out), &rec); err != nil || rec.Instance != "greeter-1" || rec.Host != h1.IPv4.String() || rec.Port != 8080 ||
			strings.Join(rec.Sources, ",") != "etcd:A,mdns:e2" || len(rec.Stale) != 0 {
			t.Errorf("--list --json: %q (%v)", out, err)
		}

		// The announcer's goodbye: the key goes within 1 s of the browse
		// event.
		if err := ann.Stop(syscall.SIGTERM, 5*time.Second); err != nil {
			t.Errorf("announce: %v", err)
		}
		if !br.WaitOutput(5*time.Second, `"event":"delete"`) {
			t.Fatalf("bridge did not delete:\n%s", br.Output())
		}
		for _, l := range strings.Split(br.Output(), "\n") {
			var ev bridgeRecord
			if json.Unmarshal([]byte(l), &ev) == nil && ev.Event == "delete" {
				t.Logf("browse delete → etcd delete: %.1f ms", ev.Delay)
				if ev.Delay > 1000 {
					t.Errorf("delete took %.1f ms after the browse event, want ≤ 1 s", ev.Delay)
				}
			}
		}
		if got := ctl("get", "--prefix", "--keys-only", "/micro/registry/"); strings.TrimSpace(got) != "" {
			t.Errorf("keys after the goodbye: %q", got)
		}

		// A bridge stopped by SIGTERM revokes its lease: nothing is left.
		ann2 := h1.Start(t, lan.Bin("mdns-announce"), "--service", "greeter", "--instance", "greeter-2", "--port", "8081", "--service-version", "1.0.0")
		if !ann2.WaitOutput(15*time.Second, "registered") {
			t.Fatalf("announce:\n%s", ann2.Output())
		}
		deadline = time.Now().Add(10 * time.Second)
		for !strings.Contains(ctl("get", "--prefix", "--keys-only", "/micro/registry/"), "greeter-2") && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if err := br.Stop(syscall.SIGTERM, 5*time.Second); err != nil {
			t.Errorf("bridge after SIGTERM: %v (want exit 0)\n%s", err, br.Output())
		}
		if got := ctl("get", "--prefix", "--keys-only", "/micro/registry/"); strings.TrimSpace(got) != "" {
			t.Errorf("keys after the bridge stopped: %q", got)
		}
	})
}
