package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/internal/testlan"
)

// These tests run the built commands on a real (virtual) LAN of network
// namespaces (internal/testlan), against avahi-daemon where named. They
// need root; without it they skip, or fail under MDNS_REQUIRE_LAN=1.

var lanOpts = testlan.Options{Hosts: 2, Binaries: []string{"./cmd/mdns-announce", "./cmd/mdns-resolve"}}

func strs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// issue 14: Avahi resolves what mdns-announce publishes for devices: the
// host of a proxied service (avahi-resolve -n), the instance on it
// (avahi-browse -r), and the address records published alone, forward and
// back (avahi-resolve -a). avahi-daemon logs no conflict.
func TestLANAvahiResolvesOurDevices(t *testing.T) {
	t.Parallel()
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h2.StartAvahi(t)
		file := filepath.Join(lan.LogDir(), "devices.json")
		err := os.WriteFile(file, []byte(`[
		  {"instance":"Office Printer","service":"_ipp._tcp","port":631,"host":"printer","addresses":["10.99.0.77","fd00:99::77"],"txt":["rp=ipp/print"]},
		  {"host":"nas","addresses":["10.99.0.78"]}]`), 0o644)
		if err != nil {
			t.Fatal(err)
		}
		ann := h1.Start(t, lan.Bin("mdns-announce"), "--file", file, "--json")
		if !ann.WaitOutput(15*time.Second, `"host":"nas.local"`) {
			t.Fatalf("announce:\n%s", ann.Output())
		}

		out, err := h2.Run(t, 20*time.Second, "avahi-resolve", "-4", "-n", "printer.local")
		if err != nil || strings.TrimSpace(out) != "printer.local\t10.99.0.77" {
			t.Errorf("avahi-resolve -4 -n printer.local: %q, %v", out, err)
		}
		out, err = h2.Run(t, 20*time.Second, "avahi-resolve", "-6", "-n", "printer.local")
		if err != nil || strings.TrimSpace(out) != "printer.local\tfd00:99::77" {
			t.Errorf("avahi-resolve -6 -n printer.local: %q, %v", out, err)
		}
		out, err = h2.Run(t, 20*time.Second, "avahi-resolve", "-a", "10.99.0.78")
		if err != nil || strings.TrimSpace(out) != "10.99.0.78\tnas.local" {
			t.Errorf("avahi-resolve -a 10.99.0.78: %q, %v", out, err)
		}
		out, err = h2.Run(t, 20*time.Second, "avahi-resolve", "-n", "nas.local")
		if err != nil || !strings.Contains(out, "10.99.0.78") {
			t.Errorf("avahi-resolve -n nas.local: %q, %v", out, err)
		}
		out, err = h2.Run(t, 20*time.Second, "avahi-browse", "-rptk", "_ipp._tcp")
		if err != nil {
			t.Fatal(err)
		}
		var addrs []string
		for _, l := range testlan.ParseAvahiBrowse(out) {
			if l.Kind == "=" && l.Name == "Office Printer" {
				if l.Host != "printer.local" || l.Port != 631 || !slices.Contains(l.TXT, "rp=ipp/print") {
					t.Errorf("avahi-browse resolved %+v", l)
				}
				addrs = append(addrs, l.Addr)
			}
		}
		if !slices.Contains(addrs, "10.99.0.77") {
			t.Errorf("avahi-browse -r did not resolve Office Printer to 10.99.0.77:\n%s", out)
		}
		logs, _ := filepath.Glob(filepath.Join(lan.LogDir(), h2.Name+"-avahi-daemon*.log"))
		if len(logs) == 0 {
			t.Fatalf("no avahi-daemon log in %s", lan.LogDir())
		}
		for _, p := range logs {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), "conflict") {
				t.Errorf("avahi-daemon logged a conflict:\n%s", b)
			}
		}
	})
}

// issue 14: mdns-resolve resolves what Avahi publishes: its host name to
// both of its addresses, its addresses back to the name (reverse PTR), and
// an instance it publishes (dns-sd -L), in parallel in one run.
func TestLANResolveAvahi(t *testing.T) {
	t.Parallel()
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h2.StartAvahi(t)
		pub := h2.Start(t, "avahi-publish", "-s", "Avahi Web", "_http._tcp", "8081", "path=/a", "bare")
		if !pub.WaitOutput(15*time.Second, "Established") {
			t.Fatalf("avahi-publish:\n%s", pub.Output())
		}
		out, err := h1.Run(t, 20*time.Second, lan.Bin("mdns-resolve"), "--json", "h2.local", h2.IPv4.String(), h2.IPv6.String())
		if err != nil {
			t.Fatal(err)
		}
		recs := clitest.JSONLines(t, out)
		if len(recs) != 3 {
			t.Fatalf("want 3 lines:\n%s", out)
		}
		if a := strs(recs[0]["addrs"]); recs[0]["name"] != "h2.local" || !slices.Contains(a, h2.IPv4.String()) || !slices.Contains(a, h2.IPv6.String()) {
			t.Errorf("h2.local resolved to %v, want both of %v %v", recs[0], h2.IPv4, h2.IPv6)
		}
		for i, a := range []string{h2.IPv4.String(), h2.IPv6.String()} {
			if r := recs[1+i]; r["addr"] != a || r["name"] != "h2.local" {
				t.Errorf("reverse of %s: %v", a, r)
			}
		}
		out, err = h1.Run(t, 20*time.Second, lan.Bin("mdns-resolve"), "--json", "--service", "_http._tcp", "Avahi Web")
		if err != nil {
			t.Fatal(err)
		}
		recs = clitest.JSONLines(t, out)
		if len(recs) != 1 {
			t.Fatalf("want 1 line:\n%s", out)
		}
		r := recs[0]
		txt, _ := r["txt"].(map[string]any)
		if r["instance"] != "Avahi Web" || r["host"] != "h2.local" || r["port"] != 8081.0 || txt["path"] != "/a" ||
			!slices.Contains(strs(r["addrs"]), h2.IPv4.String()) {
			t.Errorf("Avahi Web resolved to %v", r)
		}
	})
}

// issue 14: on a host with more interfaces than Linux lets one socket join
// the IPv4 group on (net.ipv4.igmp_max_memberships, per network
// namespace, lowered here to 2), the commands say so on stderr without
// --verbose, naming the sysctl, and work on the interfaces they joined.
func TestLANJoinLimit(t *testing.T) {
	t.Parallel()
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		var script strings.Builder
		script.WriteString("set -e; sysctl -qw net.ipv4.igmp_max_memberships=2\n")
		for i := 1; i <= 3; i++ {
			fmt.Fprintf(&script, "ip link add x%d type veth peer name y%d; ip link set x%d up; ip link set y%d up; ip addr add 10.%d.0.1/24 dev x%d\n", i, i, i, i, 50+i, i)
		}
		if out, err := h1.Run(t, 10*time.Second, "/bin/sh", "-c", script.String()); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		ann := h2.Start(t, lan.Bin("mdns-announce"), "-n", "Web", "-s", "_http._tcp", "-p", "80")
		if !ann.WaitOutput(15*time.Second, "registered") {
			t.Fatalf("announce:\n%s", ann.Output())
		}
		cmd := h1.Command(t.Context(), lan.Bin("mdns-resolve"), "h2.local")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		t.Logf("stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		if err != nil || !strings.Contains(stdout.String(), h2.IPv4.String()) {
			t.Errorf("mdns-resolve h2.local on the joined interface: %v", err)
		}
		errs := stderr.String()
		if n := strings.Count(errs, "mdns-resolve: mdns: cannot join the mDNS group 224.0.0.251 on "); n != 2 {
			t.Errorf("%d join failures reported, want 2 (x2, x3)", n)
		}
		if !strings.Contains(errs, "no buffer space available") || !strings.Contains(errs, "sysctl -w net.ipv4.igmp_max_memberships=") {
			t.Errorf("stderr does not name the cause and the sysctl:\n%s", errs)
		}
	})
}
