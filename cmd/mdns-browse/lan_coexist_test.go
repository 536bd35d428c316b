package main

import (
	"context"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/internal/testlan"
)

// The browser shares its host with avahi-daemon, which holds port 5353
// too: a unicast reply would reach one of the two sockets only, and
// Avahi on the other host sends A records over IPv4 only
// (publish-a-on-ipv6=no). Every run must still report both of the
// publisher's addresses (RFC 6762 §5.4: no QU; §7.1: known answers per
// family; the missing type asked over its own family).
//
// To make the race that loses the IPv4 answer certain rather than
// occasional, h2 drops its first IPv4 query of each run (nftables): the
// answer over IPv6 then always comes first, and what was learned there
// must not suppress the IPv4 answer that brings the A record.
func TestLANBrowseNextToAvahi(t *testing.T) {
	t.Parallel()
	testlan.NeedTools(t, "nft")
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h1.AvahiService(t, "aa", `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Avahi AA</name>
  <service><type>_aa._tcp</type><port>7777</port><txt-record>k=v</txt-record></service>
</service-group>
`)
		h1.StartAvahi(t)
		h2.StartAvahi(t)
		want := []string{h1.IPv4.String(), h1.IPv6.String()}
		for run := 1; run <= 10; run++ {
			// A query is QR=0: the bit after the 16-bit ID in the UDP
			// payload. numgen counts the queries the rule sees from 0:
			// only the first is dropped.
			if out, err := h2.Run(t, 5*time.Second, "nft", "flush ruleset; add table ip t; add chain ip t out { type filter hook output priority 0; }; "+
				"add rule ip t out ip daddr 224.0.0.251 udp dport 5353 @th,80,1 0 numgen inc mod 1000000 0 drop"); err != nil {
				t.Fatalf("nft: %v\n%s", err, out)
			}
			out, err := h2.Run(t, 15*time.Second, lan.Bin("mdns-browse"), "--service", "_aa._tcp", "--json", "--timeout", "3s")
			if err != nil {
				t.Fatalf("run %d: %v", run, err)
			}
			recs := clitest.JSONLines(t, out)
			if len(recs) != 1 || recs[0]["instance"] != "Avahi AA" || recs[0]["port"] != 7777.0 {
				t.Fatalf("run %d: want the one Avahi instance, got:\n%s", run, out)
			}
			var addrs []string
			for _, a := range recs[0]["addrs"].([]any) {
				addrs = append(addrs, a.(string))
			}
			for _, a := range want {
				if !slices.Contains(addrs, a) {
					t.Errorf("run %d: addrs %q lack %s", run, addrs, a)
				}
			}
		}
	})
}

// Issue 10: a plain service announced in domain dev is mirrored into the
// global domain (local), with domain=dev: avahi-browse sees it, and
// mdns-browse --all-domains lists it under dev; its goodbye withdraws the
// mirror too.
func TestLANPlainServiceMirrored(t *testing.T) {
	t.Parallel()
	testlan.Run(t, lanOpts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h2.StartAvahi(t)
		ann := h1.Start(t, lan.Bin("mdns-announce"), "--instance", "Dev Web", "--service", "_http._tcp", "--port", "8080",
			"--domain", "dev", "--txt", "path=/", "--json")
		if !ann.WaitOutput(10*time.Second, `"mirror":"local"`) {
			t.Fatalf("announce did not report its mirror:\n%s", ann.Output())
		}
		w := h2.Start(t, "avahi-browse", "-rpk", "_http._tcp")
		ok := poll(10*time.Second, func() bool {
			res := testlan.FindAvahi(testlan.ParseAvahiBrowse(w.Output()), "=", "Dev Web")
			return len(res) > 0 && slices.Contains(res[0].TXT, "domain=dev") && slices.Contains(res[0].TXT, "path=/")
		})
		if !ok {
			t.Fatalf("avahi-browse on h2 did not resolve the mirror with domain=dev:\n%s", w.Output())
		}
		out, err := h2.Run(t, 15*time.Second, lan.Bin("mdns-browse"), "--all-domains", "--json")
		if err != nil {
			t.Fatal(err)
		}
		recs := clitest.JSONLines(t, out)
		if len(recs) != 1 || recs[0]["instance"] != "Dev Web" || recs[0]["domain"] != "local" || recs[0]["origin"] != "dev" {
			t.Fatalf("mdns-browse --all-domains: want the mirror with origin dev, got:\n%s", out)
		}
		if err := ann.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		ok = poll(5*time.Second, func() bool {
			return len(testlan.FindAvahi(testlan.ParseAvahiBrowse(w.Output()), "-", "Dev Web")) > 0
		})
		if !ok {
			t.Fatalf("avahi-browse saw no removal of the mirror after SIGTERM:\n%s", w.Output())
		}
	})
}

// poll calls cond every 50 ms until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool) bool {
	for end := time.Now().Add(timeout); ; time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// Issue 10: an offline machine (its only other interface down): both
// commands fall back to loopback, say on stderr that discovery is
// machine-local, and see each other — by default and with --interface lo.
func TestLANOfflineLoopback(t *testing.T) {
	t.Parallel()
	testlan.Run(t, testlan.Options{Hosts: 1, Binaries: lanOpts.Binaries}, func(t *testing.T, lan *testlan.LAN) {
		h1 := lan.Host(1)
		if out, err := h1.Run(t, 5*time.Second, "ip", "link", "set", h1.Iface, "down"); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		ann := h1.Start(t, lan.Bin("mdns-announce"), "--instance", "Offline", "--service", "_http._tcp", "--port", "8080")
		if !ann.WaitOutput(10*time.Second, "registered") {
			t.Fatalf("announce did not register offline:\n%s", ann.Output())
		}
		if !strings.Contains(ann.Output(), "only programs on this machine") {
			t.Errorf("announce did not say discovery is machine-local:\n%s", ann.Output())
		}
		for _, args := range [][]string{
			{"--service", "_http._tcp", "--json", "--timeout", "2s"},
			{"--service", "_http._tcp", "--json", "--timeout", "2s", "--interface", "lo"},
		} {
			cmd := h1.Command(context.Background(), lan.Bin("mdns-browse"), args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("mdns-browse %v: %v\n%s", args, err, stderr.String())
			}
			recs := clitest.JSONLines(t, stdout.String())
			if len(recs) != 1 || recs[0]["instance"] != "Offline" || recs[0]["interface"] != "lo" {
				t.Errorf("mdns-browse %v: want Offline on lo, got:\n%s", args, stdout.String())
			}
			named := slices.Contains(args, "lo")
			if noted := strings.Contains(stderr.String(), "only programs on this machine"); noted == named {
				t.Errorf("mdns-browse %v: machine-local note %v, want %v:\n%s", args, noted, !named, stderr.String())
			}
		}
	})
}
