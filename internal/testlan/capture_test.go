package testlan_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// TestCapture proves LAN.Capture: tshark on br0 records a host's mDNS-port
// multicast.
func TestCapture(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("tshark"); err != nil {
		testlan.SkipOrFail(t, "tshark (to read the capture) not found: %v", err)
	}
	testlan.Run(t, testlan.Options{Hosts: 2, Binaries: []string{mcastcheck}}, func(t *testing.T, lan *testlan.LAN) {
		stop := lan.Capture(t, "smoke")
		checkMulticast(t, lan, lan.Host(1), lan.Host(2), 4)
		path := stop()
		out, err := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-e", "ip.src", "-e", "ip.dst", "-e", "udp.dstport").CombinedOutput()
		if err != nil {
			t.Fatalf("tshark -r %s: %v\n%s", path, err, out)
		}
		if !strings.Contains(string(out), "10.99.0.1\t224.0.0.251\t5353") {
			t.Errorf("capture lacks the datagram:\n%s", out)
		}
	})
}
