package testlan_test

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// recvOne joins the mDNS group of network on ifi in this process and
// returns the first datagram and its source.
func recvOne(t *testing.T, network string, ifi *net.Interface, send func()) (string, netip.AddrPort) {
	t.Helper()
	grp := &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	if network == "udp6" {
		grp = &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: 5353}
	}
	c, err := net.ListenMulticastUDP(network, ifi, grp)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	send()
	buf := make([]byte, 1500)
	n, src, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("%s on %s: %v", network, ifi.Name, err)
	}
	return string(buf[:n]), src
}

// TestSelf proves Options.Self: Go sockets in the test process itself
// exchange multicast with a host of the LAN.
func TestSelf(t *testing.T) {
	t.Parallel()
	opts := testlan.Options{Hosts: 1, Self: true, Binaries: []string{"github.com/mdnskit/mdnskit/internal/testlan/internal/mcastcheck"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		self, h1 := lan.Self(), lan.Host(1)
		if self.Index != testlan.SelfIndex || self.Iface != "br0" || self.IPv4.String() != "10.99.0.254" ||
			self.IPv6.String() != "fd00:99::fe" || self.LinkLocal.String() != "fe80::ff:fe00:fe" {
			t.Errorf("self = %+v", self)
		}
		// Commands "on" Self run in the test process's own namespace, with
		// its own host name.
		out, err := self.Run(t, 5*time.Second, "sh", "-c", "hostname; ip -o -4 addr show dev br0")
		if err != nil || !strings.HasPrefix(out, "h254\n") || !strings.Contains(out, "inet 10.99.0.254/24") {
			t.Errorf("on self (%v):\n%s", err, out)
		}
		br0, err := net.InterfaceByName("br0")
		if err != nil {
			t.Fatal(err)
		}
		for _, fam := range []int{4, 6} {
			payload := fmt.Sprintf("v%d to self", fam)
			got, src := recvOne(t, fmt.Sprintf("udp%d", fam), br0, func() {
				if out, err := h1.Run(t, 5*time.Second, lan.Bin("mcastcheck"), "send", "-family", fmt.Sprint(fam), "-iface", "e1", "-data", payload); err != nil {
					t.Fatalf("%v\n%s", err, out)
				}
			})
			wantSrc := netip.AddrPortFrom(h1.IPv4, 5353)
			if fam == 6 {
				wantSrc = netip.AddrPortFrom(h1.LinkLocal.WithZone("br0"), 5353)
			}
			if got != payload || src != wantSrc {
				t.Errorf("self got %q from %v, want %q from %v", got, src, payload, wantSrc)
			}
		}
		// And the other way: the test process sends, h1 receives.
		rx := h1.Start(t, lan.Bin("mcastcheck"), "recv", "-family", "4", "-iface", "e1")
		if !rx.WaitOutput(5*time.Second, "listening") {
			t.Fatalf("receiver: %s", rx.Output())
		}
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 99, 0, 254)})
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.WriteToUDP([]byte("from self"), &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}); err != nil {
			t.Fatal(err)
		}
		if err := rx.Wait(6 * time.Second); err != nil || !strings.Contains(rx.Output(), `iface=e1 src=10.99.0.254:`) || !strings.Contains(rx.Output(), `data="from self"`) {
			t.Errorf("h1 receiver (%v):\n%s", err, rx.Output())
		}
	})
}
