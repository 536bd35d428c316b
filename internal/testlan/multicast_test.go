package testlan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// TestMulticast proves IPv4 and IPv6 multicast on port 5353 between two
// hosts, with a helper binary built before the namespace was entered.
func TestMulticast(t *testing.T) {
	t.Parallel()
	testlan.Run(t, testlan.Options{Hosts: 2, Binaries: []string{mcastcheck}}, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		checkMulticast(t, lan, h1, h2, 4)
		checkMulticast(t, lan, h1, h2, 6)
		checkMulticast(t, lan, h2, h1, 6)
	})
}

// TestHosts checks the addressing, host names and environment of the hosts.
func TestHosts(t *testing.T) {
	t.Parallel()
	testlan.Run(t, testlan.Options{Hosts: 3}, func(t *testing.T, lan *testlan.LAN) {
		h3 := lan.Host(3)
		if h3.Name != "h3" || h3.Iface != "e3" || h3.IPv4.String() != "10.99.0.3" ||
			h3.IPv6.String() != "fd00:99::3" || h3.LinkLocal.String() != "fe80::ff:fe00:3" {
			t.Errorf("host 3 = %+v", h3)
		}
		out, err := h3.Run(t, 5*time.Second, "sh", "-c", `hostname; echo "$LAN_HOST $LAN_HOST_INDEX $LAN_IF $DBUS_SYSTEM_BUS_ADDRESS"; ip -o addr show dev e3`)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{
			"h3\nh3 3 e3 unix:path=/run/lan/h3/dbus.sock\n",
			"inet 10.99.0.3/24", "inet6 fd00:99::3/64", "inet6 fe80::ff:fe00:3/64",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("h3 output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "tentative") {
			t.Errorf("tentative address on h3:\n%s", out)
		}
		routes, err := h3.Run(t, 5*time.Second, "ip", "route", "show")
		if err != nil || !strings.Contains(routes, "224.0.0.0/4 dev e3") {
			t.Errorf("h3 routes (%v):\n%s", err, routes)
		}
		// A background process: output, signal, stop by pid.
		p := lan.Host(1).Start(t, "sh", "-c", `echo started; trap 'echo got-term; exit 3' TERM; while :; do sleep 0.05; done`)
		if !p.WaitOutput(5*time.Second, "started") {
			t.Fatalf("no output: %q", p.Output())
		}
		err = p.Stop(testlanSigterm, 3*time.Second)
		if err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(p.Output(), "got-term") {
			t.Errorf("Stop = %v, output %q", err, p.Output())
		}
		if err2 := p.Stop(testlanSigterm, time.Second); err2 != err {
			t.Errorf("second Stop = %v, want %v", err2, err)
		}
		// A command that hangs is killed at its timeout.
		if _, err := lan.Host(2).Run(t, 200*time.Millisecond, "sleep", "10"); err == nil || !strings.Contains(err.Error(), "timeout") {
			t.Errorf("Run(sleep 10) with 200ms timeout = %v", err)
		}
	})
}
