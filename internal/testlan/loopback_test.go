package testlan_test

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// TestLoopback proves Loopback: a namespace with only lo, where in-process
// sockets exchange IPv4 multicast on port 5353 (from 127.0.0.1) and IPv6
// works on ::1.
func TestLoopback(t *testing.T) {
	t.Parallel()
	testlan.Loopback(t, func(t *testing.T) {
		ifs, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		if len(ifs) != 1 || ifs[0].Name != "lo" || ifs[0].Flags&net.FlagMulticast == 0 || ifs[0].Flags&net.FlagUp == 0 {
			t.Fatalf("interfaces = %+v, want only lo, up, multicast", ifs)
		}
		got, src := recvOne(t, "udp4", &ifs[0], func() {
			c, err := net.ListenUDP("udp4", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if _, err := c.WriteToUDP([]byte("ping"), &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}); err != nil {
				t.Fatal(err)
			}
		})
		if got != "ping" || src.Addr() != netip.MustParseAddr("127.0.0.1") {
			t.Errorf("got %q from %v, want ping from 127.0.0.1", got, src)
		}
		c, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.WriteToUDP([]byte("v6"), c.LocalAddr().(*net.UDPAddr)); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, _, err := c.ReadFromUDP(make([]byte, 10)); err != nil || n != 2 {
			t.Errorf("IPv6 on ::1: %d, %v", n, err)
		}
	})
}

// TestCallNames runs Loopback from subtests whose names need quoting in
// -test.run, and twice in one test: each call gets its own inner process
// and only that call's fn runs there.
func TestCallNames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"a [b] (c)|d+", "dup", "dup"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var ran []int
			for i := range 2 {
				testlan.Loopback(t, func(t *testing.T) {
					ran = append(ran, i)
					if !testlan.InNamespace() {
						t.Error("fn runs outside the namespace")
					}
				})
			}
			// Only the inner process runs fn, exactly once per call there.
			if testlan.InNamespace() && len(ran) != 1 {
				t.Errorf("inner process ran calls %v, want exactly one", ran)
			}
			if !testlan.InNamespace() && len(ran) != 0 {
				t.Errorf("outer process ran fn %v", ran)
			}
		})
	}
}
