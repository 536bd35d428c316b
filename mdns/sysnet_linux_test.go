package mdns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// Every test here that opens a socket runs inside a namespace testlan made
// (Loopback or Run): nothing reaches this machine's own interfaces.

// sysSh runs a command in the test's namespace; only called from inside a
// testlan function.
func sysSh(t *testing.T, name string, args ...string) string {
	t.Helper()
	if !testlan.InNamespace() {
		t.Fatal("network change outside a testlan namespace")
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func sysSysctl(t *testing.T, path, value string) {
	t.Helper()
	if !testlan.InNamespace() {
		t.Fatal("sysctl outside a testlan namespace")
	}
	if err := os.WriteFile(filepath.Join("/proc/sys", path), []byte(value), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sysListen(t *testing.T, network string, port int) *sysConn {
	t.Helper()
	pc, err := SystemNetwork().ListenPacket(network, port)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc.(*sysConn)
}

func sysJoin(t *testing.T, c *sysConn, ifis ...*net.Interface) {
	t.Helper()
	for _, ifi := range ifis {
		if err := c.JoinGroup(ifi.Index); err != nil {
			t.Fatal(err)
		}
	}
}

// sysRead reads one datagram with a deadline.
func sysRead(t *testing.T, c *sysConn) (string, PacketInfo) {
	t.Helper()
	if err := c.uc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, MaxPacketSize+1)
	n, info, err := c.ReadFrom(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(b[:n]), info
}

// sysReadTTL reads the next datagram ReadFrom would return, and the IP
// TTL / hop limit it arrived with, which ReadFrom does not report.
func sysReadTTL(t *testing.T, c *sysConn) (string, int) {
	t.Helper()
	if err := c.uc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 1500)
	for {
		var (
			n, hops int
			info    PacketInfo
			err     error
		)
		if c.v6 {
			if err := c.p6.SetControlMessage(ipv6.FlagHopLimit, true); err != nil {
				t.Fatal(err)
			}
			var cm *ipv6.ControlMessage
			n, cm, _, err = c.p6.ReadFrom(b)
			if cm != nil {
				hops, info.IfIndex, info.Dst = cm.HopLimit, cm.IfIndex, netip.AddrFrom16([16]byte(cm.Dst.To16()))
			}
		} else {
			if err := c.p4.SetControlMessage(ipv4.FlagTTL, true); err != nil {
				t.Fatal(err)
			}
			var cm *ipv4.ControlMessage
			n, cm, _, err = c.p4.ReadFrom(b)
			if cm != nil {
				hops, info.IfIndex, info.Dst = cm.TTL, cm.IfIndex, netip.AddrFrom4([4]byte(cm.Dst.To4()))
			}
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if c.wanted(info) {
			return string(b[:n]), hops
		}
	}
}

func sysWrite(t *testing.T, c *sysConn, payload string, dst netip.AddrPort, ifIndex int) {
	t.Helper()
	if n, err := c.WriteTo([]byte(payload), dst, ifIndex); err != nil || n != len(payload) {
		t.Fatalf("WriteTo(%v, %d) = %d, %v", dst, ifIndex, n, err)
	}
}

func sysGroup(network string) netip.AddrPort {
	if network == "udp6" {
		return netip.AddrPortFrom(groupIPv6, Port)
	}
	return netip.AddrPortFrom(groupIPv4, Port)
}

func sysLocalPort(c *sysConn) int { return c.uc.LocalAddr().(*net.UDPAddr).Port }

func TestSysHostname(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		// Loopback's UTS namespace is private, so the name can be set.
		sysSysctl(t, "kernel/hostname", "box.example.com")
		if h, err := SystemNetwork().Hostname(); err != nil || h != "box" {
			t.Errorf("Hostname() = %q, %v; want box", h, err)
		}
		sysSysctl(t, "kernel/hostname", "plain")
		if h, err := SystemNetwork().Hostname(); err != nil || h != "plain" {
			t.Errorf("Hostname() = %q, %v; want plain", h, err)
		}
	})
}

func TestSysInterfaces(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		// sysd1, the peer, stays down and without addresses.
		sysSh(t, "ip", "link", "add", "sysd0", "mtu", "1400", "type", "veth", "peer", "name", "sysd1")
		sysSh(t, "ip", "link", "set", "sysd0", "addrgenmode", "none")
		sysSh(t, "ip", "addr", "add", "10.5.0.1/24", "dev", "sysd0")
		sysSh(t, "ip", "-6", "addr", "add", "fd00:5::1/64", "dev", "sysd0", "nodad")
		sysSh(t, "ip", "-6", "addr", "add", "fe80::5/64", "dev", "sysd0", "nodad")
		sysSh(t, "ip", "link", "set", "sysd0", "up")
		ifs, err := SystemNetwork().Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]Interface{}
		for _, in := range ifs {
			got[in.Name] = in
		}
		if len(ifs) != 3 {
			t.Errorf("interfaces %+v, want lo, sysd0, sysd1", ifs)
		}
		lo, d0, d1 := got["lo"], got["sysd0"], got["sysd1"]
		if !lo.Up || !lo.Loopback || !lo.Multicast || fmt.Sprint(lo.Prefixes) != "[127.0.0.1/8 ::1/128]" {
			t.Errorf("lo = %+v", lo)
		}
		if d0.Index == 0 || !d0.Up || d0.Loopback || d0.MTU != 1400 {
			t.Errorf("sysd0 = %+v", d0)
		}
		if fmt.Sprint(d0.Prefixes) != "[10.5.0.1/24 fd00:5::1/64 fe80::5/64]" {
			t.Errorf("sysd0 prefixes = %v", d0.Prefixes)
		}
		if d1.Up || len(d1.Prefixes) != 0 {
			t.Errorf("sysd1 = %+v", d1)
		}
	})
}

// TestSysLoopback: two sockets share :5353 and both get a multicast, with
// packet info, TTL 255 on multicast and unicast; Close unblocks ReadFrom.
func TestSysLoopback(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		lo, err := net.InterfaceByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		// Multicast out of lo takes a link-scope source, and 127.0.0.1 is
		// host scope: without another address it would leave from 0.0.0.0.
		sysSh(t, "ip", "addr", "add", "10.7.0.1/32", "dev", "lo")
		r1, r2 := sysListen(t, "udp4", Port), sysListen(t, "udp4", Port)
		sysJoin(t, r1, lo)
		sysJoin(t, r2, lo, lo) // joining twice is not an error
		tx := sysListen(t, "udp4", 0)
		group := sysGroup("udp4")
		sysWrite(t, tx, "hello", group, lo.Index)
		want := PacketInfo{Src: netip.AddrPortFrom(sysMustAddr("10.7.0.1"), uint16(sysLocalPort(tx))), Dst: groupIPv4, IfIndex: lo.Index}
		for i, r := range []*sysConn{r1, r2} {
			if got, info := sysRead(t, r); got != "hello" || info != want {
				t.Errorf("socket %d got %q %+v, want hello %+v", i+1, got, info, want)
			}
		}
		sysWrite(t, tx, "ttl", group, lo.Index)
		if got, ttl := sysReadTTL(t, r1); got != "ttl" || ttl != 255 {
			t.Errorf("multicast %q arrived with TTL %d, want 255 (RFC 6762 §11)", got, ttl)
		}
		sysRead(t, r2)

		// Unicast, both families, with the interface given.
		for _, network := range []string{"udp4", "udp6"} {
			u, tx := sysListen(t, network, 0), sysListen(t, network, 0)
			host := sysMustAddr("127.0.0.1")
			if network == "udp6" {
				host = sysMustAddr("::1")
			}
			sysWrite(t, tx, "uni", netip.AddrPortFrom(host, uint16(sysLocalPort(u))), lo.Index)
			got, info := sysRead(t, u)
			want := PacketInfo{Src: netip.AddrPortFrom(host, uint16(sysLocalPort(tx))), Dst: host, IfIndex: lo.Index}
			if got != "uni" || info != want {
				t.Errorf("%s unicast: got %q %+v, want uni %+v", network, got, info, want)
			}
			sysWrite(t, tx, "uni-ttl", netip.AddrPortFrom(host, uint16(sysLocalPort(u))), 0)
			if got, ttl := sysReadTTL(t, u); got != "uni-ttl" || ttl != 255 {
				t.Errorf("%s unicast %q arrived with TTL %d, want 255 (RFC 6762 §11)", network, got, ttl)
			}
			// Wrong family is refused, not sent.
			other := netip.AddrPortFrom(sysMustAddr("::1"), 9)
			if network == "udp6" {
				other = netip.AddrPortFrom(sysMustAddr("127.0.0.1"), 9)
			}
			if _, err := tx.WriteTo([]byte("x"), other, 0); err == nil {
				t.Errorf("%s socket sent to %v", network, other)
			}
		}

		// An oversized datagram is truncated to the buffer: n == len(b).
		sysWrite(t, tx, strings.Repeat("x", 100), group, lo.Index)
		if err := r1.uc.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if n, _, err := r1.ReadFrom(make([]byte, 10)); n != 10 || err != nil {
			t.Errorf("ReadFrom of 100 bytes into 10 = %d, %v; want 10, nil", n, err)
		}
		sysRead(t, r2)

		// Close unblocks a pending ReadFrom with net.ErrClosed, and is
		// idempotent.
		if err := r1.uc.SetReadDeadline(time.Time{}); err != nil {
			t.Fatal(err)
		}
		readErr := make(chan error, 1)
		go func() {
			_, _, err := r1.ReadFrom(make([]byte, 10))
			readErr <- err
		}()
		time.Sleep(50 * time.Millisecond) // let it block (not required for correctness)
		if err := r1.Close(); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-readErr:
			if !errors.Is(err, net.ErrClosed) {
				t.Errorf("ReadFrom after Close = %v, want net.ErrClosed", err)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Close did not unblock ReadFrom")
		}
		if err := r1.Close(); err != nil {
			t.Errorf("second Close = %v", err)
		}
		if _, _, err := r1.ReadFrom(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
			t.Errorf("ReadFrom on a closed conn = %v", err)
		}
	})
}

// TestSysSockopts reads back, from real sockets, every option the table
// says Linux sets by default, and that SO_REUSEPORT is not among them
// (TestSysReusePortMisdelivers says why).
func TestSysSockopts(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		for _, network := range []string{"udp4", "udp6"} {
			c := sysListen(t, network, Port)
			if c.share != sysShareAddr {
				t.Errorf("%s shares the port with %v, want SO_REUSEADDR", network, c.share)
			}
			sysCheckOptions(t, c, sysSockoptPlan("linux", sysShareAddr))
			sysCheckOptions(t, c, []sysSockopt{{Name: "SO_REUSEPORT", Value: 0, Why: "not by default"}})
			c.Close()
		}
	})
}

// TestSysListenOptionRefused: a required option the system refuses fails
// Listen with an error naming the option and the platform; an optional
// one does not; an IPv6-only one costs IPv6 alone, which Listen reports
// through Logf.
func TestSysListenOptionRefused(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		refusing := func(name string) sysNetwork {
			level, opt, ok := sysOptionNumber(name)
			if !ok {
				t.Fatalf("no number for %s", name)
			}
			return sysNetwork{setsockopt: func(fd uintptr, l, o, v int) error {
				if l == level && o == opt {
					return unix.ENOPROTOOPT
				}
				return sysSetsockoptInt(fd, l, o, v)
			}}
		}
		_, err := Listen(Config{Network: refusing("SO_REUSEADDR"), Interfaces: []string{"lo"}})
		sysCheckOptionError(t, err, "SO_REUSEADDR")
		if !errors.Is(err, unix.ENOPROTOOPT) {
			t.Errorf("%v does not wrap the system's error", err)
		}

		for _, network := range []string{"udp4", "udp6"} {
			c, err := refusing("IP_MULTICAST_ALL").ListenPacket(network, Port)
			if err != nil {
				t.Errorf("%s with optional IP_MULTICAST_ALL refused: %v", network, err)
			} else {
				c.Close()
			}
		}
		_, err = refusing("IPV6_V6ONLY").ListenPacket("udp6", Port)
		sysCheckOptionError(t, err, "IPV6_V6ONLY")

		var logged []string
		c, err := Listen(Config{Network: refusing("IPV6_V6ONLY"), Interfaces: []string{"lo"},
			Logf: func(f string, args ...any) { logged = append(logged, fmt.Sprintf(f, args...)) }})
		if err != nil {
			t.Fatalf("Listen without IPv6: %v", err)
		}
		c.Close()
		if !slices.ContainsFunc(logged, func(l string) bool { return strings.Contains(l, "IPV6_V6ONLY") }) {
			t.Errorf("no log line names IPV6_V6ONLY: %q", logged)
		}
	})
}
