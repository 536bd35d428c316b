package mdnstest_test

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

var (
	group4 = netip.AddrPortFrom(mdns.GroupIPv4(), mdns.Port)
	group6 = netip.AddrPortFrom(mdns.GroupIPv6(), mdns.Port)
)

type got struct {
	data string
	info mdns.PacketInfo
}

// sink reads a socket on its own goroutine until the socket is closed.
// After synctest.Wait (or mdnstest.Advance) it has read everything queued.
type sink struct {
	conn mdns.PacketConn
	mu   sync.Mutex
	got  []got
	err  error
	done chan struct{}
}

func collect(t *testing.T, c mdns.PacketConn) *sink {
	t.Helper()
	s := &sink{conn: c, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		buf := make([]byte, 70000)
		for {
			n, info, err := c.ReadFrom(buf)
			if err != nil {
				s.mu.Lock()
				s.err = err
				s.mu.Unlock()
				return
			}
			s.mu.Lock()
			s.got = append(s.got, got{string(buf[:n]), info})
			s.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		c.Close()
		<-s.done
		if !errors.Is(s.err, net.ErrClosed) {
			t.Errorf("reader ended with %v, want net.ErrClosed", s.err)
		}
	})
	return s
}

// take returns what was read since the last take.
func (s *sink) take() []got {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.got
	s.got = nil
	return out
}

func (s *sink) datas() []string {
	var out []string
	for _, g := range s.take() {
		out = append(out, g.data)
	}
	return out
}

func listen(t *testing.T, h *mdnstest.Host, network string, port int, join ...int) mdns.PacketConn {
	t.Helper()
	c, err := h.ListenPacket(network, port)
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range join {
		if err := c.JoinGroup(i); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// listenSink opens a socket joined on the given interfaces and collects
// what it receives.
func listenSink(t *testing.T, h *mdnstest.Host, network string, port int, join ...int) *sink {
	t.Helper()
	return collect(t, listen(t, h, network, port, join...))
}

func write(t *testing.T, c mdns.PacketConn, msg string, dst netip.AddrPort, ifIndex int) {
	t.Helper()
	if _, err := c.WriteTo([]byte(msg), dst, ifIndex); err != nil {
		t.Fatal(err)
	}
}

func addr(t *testing.T, h *mdnstest.Host, ifName string, pred func(netip.Addr) bool) netip.Addr {
	t.Helper()
	for _, a := range h.Addrs(ifName) {
		if pred(a) {
			return a
		}
	}
	t.Fatalf("%s has no such address on %s", must(h.Hostname()), ifName)
	return netip.Addr{}
}

func is4(a netip.Addr) bool   { return a.Is4() }
func isULA(a netip.Addr) bool { return a.Is6() && !a.IsLinkLocalUnicast() }

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

const eth0 = 2 // lo is 1, the first added interface 2

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
