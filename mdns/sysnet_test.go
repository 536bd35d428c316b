package mdns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"testing"
	"time"
)

// These tests open no socket and send nothing: they are safe in the
// machine's own namespace.

func TestSysPrefix(t *testing.T) {
	for _, tc := range []struct {
		in   net.Addr
		want string // "" for rejected
	}{
		{&net.IPNet{IP: net.IPv4(10, 1, 2, 3), Mask: net.CIDRMask(24, 32)}, "10.1.2.3/24"},
		// 16-byte form of an IPv4 address with a 16-byte mask.
		{&net.IPNet{IP: net.IPv4(10, 1, 2, 3), Mask: net.CIDRMask(120, 128)}, "10.1.2.3/24"},
		{&net.IPNet{IP: net.ParseIP("fe80::1"), Mask: net.CIDRMask(64, 128)}, "fe80::1/64"},
		{&net.IPNet{IP: net.ParseIP("fd00::1"), Mask: net.IPMask{0xff, 0, 0xff, 0}}, "fd00::1/128"},
		{&net.IPAddr{IP: net.IPv4(10, 1, 2, 3)}, ""},
		{&net.IPNet{IP: net.IP{1, 2}, Mask: net.CIDRMask(8, 32)}, ""},
	} {
		p, ok := sysPrefix(tc.in)
		got := ""
		if ok {
			got = p.String()
		}
		if got != tc.want {
			t.Errorf("sysPrefix(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSysSource(t *testing.T) {
	for _, tc := range []struct {
		ua      net.UDPAddr
		ifIndex int
		want    string
	}{
		{net.UDPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 5353}, 2, "10.0.0.1:5353"},
		{net.UDPAddr{IP: net.ParseIP("::ffff:10.0.0.1"), Port: 5353}, 2, "10.0.0.1:5353"},
		{net.UDPAddr{IP: net.ParseIP("fe80::1"), Port: 5353, Zone: "eth0"}, 2, "[fe80::1%eth0]:5353"},
		{net.UDPAddr{IP: net.ParseIP("fe80::1"), Port: 5353}, 7, "[fe80::1%7]:5353"},
		{net.UDPAddr{IP: net.ParseIP("fd00::1"), Port: 1234, Zone: "eth0"}, 2, "[fd00::1]:1234"},
	} {
		if got := sysSource(tc.ua.AddrPort(), tc.ifIndex).String(); got != tc.want {
			t.Errorf("sysSource(%v, %d) = %s, want %s", &tc.ua, tc.ifIndex, got, tc.want)
		}
	}
}

func TestSysListenPacketBadNetwork(t *testing.T) {
	for _, nw := range []string{"udp", "tcp4", "ip4"} {
		if _, err := SystemNetwork().ListenPacket(nw, 0); !errors.Is(err, ErrUnsupportedNetwork) {
			t.Errorf("ListenPacket(%q) = %v, want ErrUnsupportedNetwork", nw, err)
		}
	}
	if _, err := SystemNetwork().ListenPacket("udp4", 70000); err == nil {
		t.Error("ListenPacket on port 70000 succeeded")
	}
}

// TestSysInterfacesMatchNet compares Interfaces with the net package
// directly (reading interfaces sends nothing).
func TestSysInterfacesMatchNet(t *testing.T) {
	got, err := SystemNetwork().Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	want, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d interfaces, net has %d", len(got), len(want))
	}
	byIndex := map[int]Interface{}
	for _, in := range got {
		byIndex[in.Index] = in
	}
	for _, w := range want {
		g, ok := byIndex[w.Index]
		if !ok || g.Name != w.Name || g.MTU != w.MTU || g.Up != (w.Flags&net.FlagUp != 0) ||
			g.Multicast != (w.Flags&net.FlagMulticast != 0) || g.Loopback != (w.Flags&net.FlagLoopback != 0) {
			t.Errorf("interface %d = %+v, net says %+v", w.Index, g, w)
		}
		addrs, err := w.Addrs()
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Prefixes) != len(addrs) {
			t.Errorf("%s: prefixes %v, addresses %v", w.Name, g.Prefixes, addrs)
		}
		for _, p := range g.Prefixes {
			if p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Errorf("%s: prefix %v should be unmapped and unzoned", w.Name, p)
			}
		}
	}
}

func TestSysWatchCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := SystemNetwork().WatchInterfaces(ctx, func() { t.Error("changed called") }); !errors.Is(err, context.Canceled) {
		t.Errorf("WatchInterfaces = %v, want context.Canceled", err)
	}
}

// sysWaitGoroutines fails t unless the goroutine count drops back to at
// most n within a few seconds.
func sysWaitGoroutines(t *testing.T, n int) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		got := runtime.NumGoroutine()
		if got <= n {
			return
		}
		if time.Now().After(end) {
			buf := make([]byte, 1<<20)
			buf = buf[:runtime.Stack(buf, true)]
			t.Fatalf("%d goroutines, want <= %d:\n%s", got, n, buf)
		}
	}
}

// sysMustAddr parses a test address.
func sysMustAddr(s string) netip.Addr { return netip.MustParseAddr(strings.TrimSpace(s)) }
