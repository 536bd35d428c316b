package main

import (
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/internal/testlan"
)

// These tests run the built commands on a real (virtual) LAN: network
// namespaces h1, h2 on a bridge (internal/testlan). They need root; without
// it they skip, or fail under MDNS_REQUIRE_LAN=1.

var lanOpts = testlan.Options{Hosts: 2, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-browse"}}

// issue 7: announce on h1, browse on h2 with --json, every field checked;
// then SIGTERM on h1 makes a --watch browser on h2 print "remove" within
// about a second (goodbyes, RFC 6762 §10.1), and announce exits 0.
func TestLANAnnounceBrowse(t *testing.T) {
	t.Parallel()
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		ann := h1.Start(t, lan.Bin("mdns-announce"), "--instance", "Café Web", "--service", "_http._tcp", "--port", "8080",
			"--txt", "path=/x", "--txt", "empty=", "--txt", "flag", "--json")
		_ = ann
		if !ann.WaitOutput(10*time.Second, `"event":"registered"`) {
			t.Fatalf("announce did not register:\n%s", ann.Output())
		}
		out, err := h2.Run(t, 15*time.Second, lan.Bin("mdns-browse"), "--service", "_http._tcp", "--json", "--timeout", "2s")
		if err != nil {
			t.Fatal(err)
		}
		recs := clitest.JSONLines(t, out)
		if len(recs) != 1 {
			t.Fatalf("want one instance, got:\n%s", out)
		}
		r := recs[0]
		for k, want := range map[string]any{"event": "add", "instance": "Café Web", "service": "_http._tcp", "domain": "local",
			"host": "h1.local", "port": 8080.0, "interface": h2.Iface} {
			if r[k] != want {
				t.Errorf("%s = %#v, want %#v", k, r[k], want)
			}
		}
		var addrs []string
		for _, a := range r["addrs"].([]any) {
			addrs = append(addrs, a.(string))
		}
		for _, want := range []string{h1.IPv4.String(), h1.IPv6.String(), h1.LinkLocal.String() + "%" + h2.Iface} {
			if !slices.Contains(addrs, want) {
				t.Errorf("addrs %q lack %s", addrs, want)
			}
		}
		txt, _ := r["txt"].(map[string]any)
		if len(txt) != 3 || txt["path"] != "/x" || txt["empty"] != "" || txt["flag"] != nil {
			t.Errorf("txt = %#v, want path=/x, empty=\"\", flag=null", txt)
		}
		if _, ok := txt["flag"]; !ok {
			t.Errorf("txt lacks flag: %#v", txt)
		}

		watch := h2.Start(t, lan.Bin("mdns-browse"), "--service", "_http._tcp", "--watch", "--json")
		if !watch.WaitOutput(10*time.Second, `"event":"add"`) {
			t.Fatalf("watch saw no add:\n%s", watch.Output())
		}
		t0 := time.Now()
		if err := ann.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		// RFC 6762 §10.1: the goodbye goes out at once and the browser
		// drops the instance 1 s later; 3 s leaves room for a slow machine.
		if !watch.WaitOutput(3*time.Second, `"event":"remove"`) {
			t.Fatalf("no remove within 3s of SIGTERM:\n%s", watch.Output())
		}
		t.Logf("remove printed %v after SIGTERM", time.Since(t0))
		if err := ann.Wait(5 * time.Second); err != nil {
			t.Errorf("announce after SIGTERM: %v (want exit 0)\n%s", err, ann.Output())
		}
		rm := clitest.JSONLines(t, watch.Output())
		if last := rm[len(rm)-1]; last["event"] != "remove" || last["instance"] != "Café Web" {
			t.Errorf("last watch event = %v", last)
		}
		if err := watch.Stop(syscall.SIGINT, 3*time.Second); err != nil {
			t.Errorf("browse --watch after SIGINT: %v (want exit 0)", err)
		}
	})
}

// issue 7: two announcers of one name on h1 and h2 at the same time end up
// as two instances, one renamed "Twin (2)", which its announcer prints.
func TestLANSameName(t *testing.T) {
	t.Parallel()
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		args := []string{"--instance", "Twin", "--service", "_http._tcp", "--port", "80", "--json"}
		a1 := h1.Start(t, lan.Bin("mdns-announce"), args...)
		a2 := h2.Start(t, lan.Bin("mdns-announce"), args...)
		for _, a := range []*testlan.Proc{a1, a2} {
			if !a.WaitOutput(15*time.Second, `"event":"registered"`) {
				t.Fatalf("no registration:\n%s", a.Output())
			}
		}
		outs := a1.Output() + a2.Output()
		if !strings.Contains(outs, `"instance":"Twin (2)"`) || !strings.Contains(outs, `"requested":"Twin"`) ||
			!strings.Contains(outs, `{"event":"registered","instance":"Twin","service":"_http._tcp"`) {
			t.Fatalf("want one Twin and one renamed Twin (2):\nh1: %s\nh2: %s", a1.Output(), a2.Output())
		}
		out, err := h1.Run(t, 15*time.Second, lan.Bin("mdns-browse"), "--service", "_http._tcp", "--json", "--timeout", "2s")
		if err != nil {
			t.Fatal(err)
		}
		hosts := map[string]string{} // instance → host
		for _, r := range clitest.JSONLines(t, out) {
			hosts[r["instance"].(string)] = r["host"].(string)
		}
		if len(hosts) != 2 || hosts["Twin"] == "" || hosts["Twin (2)"] == "" || hosts["Twin"] == hosts["Twin (2)"] {
			t.Errorf("browse saw %v, want Twin and Twin (2) on different hosts", hosts)
		}
	})
}

// Interop with Avahi: avahi-browse on h2 resolves what mdns-announce
// publishes on h1, TXT included; mdns-browse on h1 sees what avahi-publish
// publishes on h2.
func TestLANAvahi(t *testing.T) {
	t.Parallel()
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h2.StartAvahi(t)
		ann := h1.Start(t, lan.Bin("mdns-announce"), "-n", "Our Web", "-s", "_http._tcp", "-p", "8080", "--txt", "path=/", "--txt", "flag")
		if !ann.WaitOutput(10*time.Second, "registered") {
			t.Fatalf("announce did not register:\n%s", ann.Output())
		}
		out, err := h2.Run(t, 20*time.Second, "avahi-browse", "-rptk", "_http._tcp")
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, line := range strings.Split(out, "\n") {
			f := strings.SplitN(line, ";", 10)
			if len(f) == 10 && f[0] == "=" && f[3] == `Our\032Web` && f[6] == "h1.local" && f[8] == "8080" {
				found = true
				if !strings.Contains(f[9], `"path=/"`) || !strings.Contains(f[9], `"flag"`) {
					t.Errorf("avahi-browse TXT = %s, want path=/ and flag", f[9])
				}
			}
		}
		if !found {
			t.Errorf("avahi-browse did not resolve Our Web:\n%s", out)
		}

		pub := h2.Start(t, "avahi-publish", "-s", "Avahi Web", "_http._tcp", "8081", "a=1", "bare")
		if !pub.WaitOutput(10*time.Second, "Established") {
			t.Fatalf("avahi-publish:\n%s", pub.Output())
		}
		out, err = h1.Run(t, 15*time.Second, lan.Bin("mdns-browse"), "--service", "_http._tcp", "--json", "--timeout", "3s")
		if err != nil {
			t.Fatal(err)
		}
		found = false
		for _, r := range clitest.JSONLines(t, out) {
			if r["instance"] == "Avahi Web" {
				found = true
				txt, _ := r["txt"].(map[string]any)
				if r["host"] != "h2.local" || r["port"] != 8081.0 || txt["a"] != "1" || txt["bare"] != nil {
					t.Errorf("avahi's service seen as %v", r)
				}
			}
		}
		if !found {
			t.Errorf("mdns-browse did not see Avahi Web:\n%s", out)
		}
	})
}
