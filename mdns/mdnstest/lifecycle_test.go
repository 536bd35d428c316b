package mdnstest_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

func TestSendTimeIsExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h := link.AddHost("h1")
		defer h.Close()
		c := listen(t, h, "udp4", mdns.Port)
		start := time.Now()
		// A prober on its own goroutine: three probes 250ms apart (RFC 6762 §8.1).
		go func() {
			for range 3 {
				time.Sleep(250 * time.Millisecond)
				c.WriteTo([]byte("probe"), group4, eth0)
			}
		}()
		mdnstest.Advance(time.Second)
		var at []time.Duration
		for _, p := range link.Packets() {
			at = append(at, p.Time.Sub(start))
		}
		if want := []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, 750 * time.Millisecond}; !equal(at, want) {
			t.Errorf("probes at %v, want %v", at, want)
		}
	})
}

func TestReceiveQueueIsBounded(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer h1.Close()
		defer h2.Close()
		tx := listen(t, h1, "udp4", mdns.Port)
		rx := listen(t, h2, "udp4", mdns.Port, eth0)
		for i := range 300 {
			write(t, tx, string(rune('a'+i%26)), group4, eth0)
		}
		if st := link.Stats(); st.Delivered != 256 || st.QueueFull != 44 {
			t.Errorf("stats %+v, want 256 queued and 44 dropped", st)
		}
		if p := link.Packets()[299]; p.Dropped != mdnstest.DropQueueFull || p.Deliveries[0].QueueFull != 1 {
			t.Errorf("overflowing packet logged as %+v", p)
		}
		buf := make([]byte, 10)
		for i := range 256 {
			if _, _, err := rx.ReadFrom(buf); err != nil {
				t.Fatalf("read %d: %v", i, err)
			}
		}
		// The queue is empty now: the next read blocks until Close.
		errc := make(chan error)
		go func() {
			_, _, err := rx.ReadFrom(buf)
			errc <- err
		}()
		synctest.Wait()
		select {
		case err := <-errc:
			t.Fatalf("read from an empty queue returned %v", err)
		default:
		}
		rx.Close()
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Errorf("read after close: %v", err)
		}
	})
}

func TestCloseUnblocksAndIsIdempotent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h := link.AddHost("h1")
		c := listen(t, h, "udp6", mdns.Port, eth0)
		errc := make(chan error)
		go func() {
			_, _, err := c.ReadFrom(make([]byte, 10))
			errc <- err
		}()
		synctest.Wait()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Errorf("pending read: %v, want net.ErrClosed", err)
		}
		if err := c.Close(); err != nil {
			t.Errorf("second close: %v", err)
		}
		if _, err := c.WriteTo([]byte("x"), group6, eth0); !errors.Is(err, net.ErrClosed) {
			t.Errorf("write after close: %v", err)
		}
		if _, _, err := c.ReadFrom(nil); !errors.Is(err, net.ErrClosed) {
			t.Errorf("read after close: %v", err)
		}
		if err := c.JoinGroup(eth0); !errors.Is(err, net.ErrClosed) {
			t.Errorf("join after close: %v", err)
		}

		// Closing the host closes its sockets.
		c2 := listen(t, h, "udp4", mdns.Port, eth0)
		go func() {
			_, _, err := c2.ReadFrom(make([]byte, 10))
			errc <- err
		}()
		synctest.Wait()
		h.Close()
		if err := <-errc; !errors.Is(err, net.ErrClosed) {
			t.Errorf("read on closed host: %v", err)
		}
		if _, err := h.ListenPacket("udp4", 0); !errors.Is(err, net.ErrClosed) {
			t.Errorf("listen on closed host: %v", err)
		}
		if err := h.Close(); err != nil {
			t.Errorf("second host close: %v", err)
		}
	})
}

func TestWatchInterfacesSeesHotPlug(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		peer := link.AddHost("peer")
		defer peer.Close()
		h := mdnstest.NewHost(mdnstest.HostConfig{Name: "h"})
		defer h.Close()

		var calls atomic.Int32
		ctx, cancel := context.WithCancel(t.Context())
		errc := make(chan error)
		go func() { errc <- h.WatchInterfaces(ctx, func() { calls.Add(1) }) }()
		synctest.Wait()
		if n := calls.Load(); n != 0 {
			t.Fatalf("%d calls before any change", n)
		}
		step := func(what string, err error, want int32) {
			t.Helper()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			synctest.Wait()
			if n := calls.Load(); n != want {
				t.Errorf("after %s: %d calls, want %d", what, n, want)
			}
		}
		idx, err := h.AddInterface(link, mdnstest.InterfaceConfig{Name: "wlan0"})
		step("add interface", err, 1)
		if idx != 2 {
			t.Errorf("first interface got index %d, want 2 (lo is 1)", idx)
		}
		step("add prefix", h.AddPrefix("wlan0", netip.MustParsePrefix("10.0.0.50/16")), 2)
		step("add it again", h.AddPrefix("wlan0", netip.MustParsePrefix("10.0.0.50/16")), 2)

		// The new address works at once.
		c := listen(t, h, "udp4", mdns.Port, idx)
		s := collect(t, c)
		pc := listen(t, peer, "udp4", mdns.Port)
		defer pc.Close()
		write(t, pc, "hi", group4, eth0)
		synctest.Wait()
		if g := s.datas(); !equal(g, []string{"hi"}) {
			t.Errorf("hot-plugged interface got %q", g)
		}

		step("interface down", h.SetUp("wlan0", false), 3)
		if _, err := c.WriteTo([]byte("x"), group4, idx); !errors.Is(err, mdnstest.ErrInterfaceDown) {
			t.Errorf("write on a down interface: %v", err)
		}
		write(t, pc, "unheard", group4, eth0)
		synctest.Wait()
		if g := s.take(); len(g) != 0 {
			t.Errorf("down interface received %+v", g)
		}
		step("interface up", h.SetUp("wlan0", true), 4)
		step("remove prefix", h.RemovePrefix("wlan0", netip.MustParsePrefix("10.0.0.50/16")), 5)
		if _, err := c.WriteTo([]byte("x"), group4, idx); !errors.Is(err, mdnstest.ErrNoAddress) {
			t.Errorf("write without an IPv4 address: %v", err)
		}
		step("remove interface", h.RemoveInterface("wlan0"), 6)
		if _, err := c.WriteTo([]byte("x"), group4, idx); !errors.Is(err, mdnstest.ErrNoInterface) {
			t.Errorf("write on a removed interface: %v", err)
		}
		write(t, pc, "gone", group4, eth0)
		synctest.Wait()
		if g := s.take(); len(g) != 0 {
			t.Errorf("removed interface received %+v", g)
		}
		ifs := must(h.Interfaces())
		if len(ifs) != 1 || ifs[0].Name != "lo" || !ifs[0].Loopback || ifs[0].Multicast {
			t.Errorf("interfaces after removal: %+v", ifs)
		}
		idx2, err := h.AddInterface(link, mdnstest.InterfaceConfig{})
		step("add another", err, 7)
		if idx2 != 3 {
			t.Errorf("new interface got index %d; indexes are never reused", idx2)
		}

		cancel()
		if err := <-errc; !errors.Is(err, context.Canceled) {
			t.Errorf("WatchInterfaces returned %v", err)
		}
	})
}

func TestInterfacesDescribeTheHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h := link.AddHost("h7")
		defer h.Close()
		name, err := h.Hostname()
		if err != nil || name != "h7" {
			t.Errorf("Hostname = %q, %v", name, err)
		}
		ifs := must(h.Interfaces())
		if len(ifs) != 2 {
			t.Fatalf("interfaces %+v", ifs)
		}
		e := ifs[1]
		want := []netip.Prefix{
			netip.MustParsePrefix("10.0.0.1/16"), netip.MustParsePrefix("fd00::1/64"), netip.MustParsePrefix("fe80::1/64"),
		}
		if e.Index != 2 || e.Name != "eth0" || e.MTU != 1500 || !e.Up || !e.Multicast || e.Loopback || !equal(e.Prefixes, want) {
			t.Errorf("eth0 = %+v", e)
		}
		ifs[1].Prefixes[0] = netip.Prefix{} // a copy: the host is unaffected
		if must(h.Interfaces())[1].Prefixes[0] != want[0] {
			t.Error("Interfaces returned the host's own slice")
		}
	})
}

func TestTap(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{Faults: mdnstest.Faults{Delay: 10 * time.Millisecond}})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer h1.Close()
		defer h2.Close()
		tx := listen(t, h1, "udp4", mdns.Port)
		_ = listenSink(t, h2, "udp4", mdns.Port, eth0)
		var mu sync.Mutex // fn runs on the link's timer goroutine
		var tapped []mdnstest.Packet
		stop := link.Tap(func(p mdnstest.Packet) {
			mu.Lock()
			tapped = append(tapped, p)
			mu.Unlock()
		})
		defer mu.Unlock()
		mu.Lock()
		write(t, tx, "a", group4, eth0)
		mu.Unlock()
		synctest.Wait()
		mu.Lock()
		if len(tapped) != 0 {
			t.Errorf("tapped %d packets still in flight", len(tapped))
		}
		mu.Unlock()
		mdnstest.Advance(10 * time.Millisecond)
		mu.Lock()
		if len(tapped) != 1 || len(tapped[0].Deliveries) != 1 || tapped[0].Deliveries[0].Host != "h2" {
			t.Errorf("tapped %+v", tapped)
		}
		mu.Unlock()
		stop()
		stop()
		write(t, tx, "b", group4, eth0)
		mdnstest.Advance(10 * time.Millisecond)
		mu.Lock()
		if len(tapped) != 1 {
			t.Errorf("tap called after stop: %d", len(tapped))
		}
	})
}

func TestLinkClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{Faults: mdnstest.Faults{Delay: time.Second}})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer h1.Close()
		defer h2.Close()
		tx := listen(t, h1, "udp4", mdns.Port)
		rs := listenSink(t, h2, "udp4", mdns.Port, eth0)
		write(t, tx, "in flight", group4, eth0)
		link.Close()
		link.Close()
		write(t, tx, "after", group4, eth0)
		mdnstest.Advance(2 * time.Second)
		if g := rs.take(); len(g) != 0 {
			t.Errorf("closed link delivered %+v", g)
		}
		for _, p := range link.Packets() {
			if p.Dropped != mdnstest.DropLinkClosed {
				t.Errorf("packet %q: %q", p.Data, p.Dropped)
			}
		}
	})
}

// TestConcurrentTraffic has every host send and receive at once; run it
// with -race. Every member hears every other host's packets.
func TestConcurrentTraffic(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const hosts, each = 8, 50
		link := mdnstest.NewLink(mdnstest.LinkConfig{Faults: mdnstest.Faults{Jitter: 5 * time.Millisecond}})
		var sinks []*sink
		var conns []mdns.PacketConn
		for i := range hosts {
			h := mdnstest.NewHost(mdnstest.HostConfig{Name: "h", NoMulticastLoopback: true, ReceiveQueue: hosts * each})
			must(h.AddInterface(link, mdnstest.InterfaceConfig{Prefixes: []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 0, 0, byte(i + 1)}), 16)}}))
			defer h.Close()
			c := listen(t, h, "udp4", mdns.Port, eth0)
			conns = append(conns, c)
			sinks = append(sinks, collect(t, c))
		}
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Go(func() {
				for range each {
					c.WriteTo([]byte("x"), group4, eth0)
					time.Sleep(time.Millisecond)
				}
			})
		}
		wg.Go(func() { // readers of the log and stats race the senders
			for range each {
				_ = link.Packets()
				_ = link.Stats()
				time.Sleep(time.Millisecond)
			}
		})
		wg.Wait()
		mdnstest.Advance(10 * time.Millisecond)
		for i, s := range sinks {
			if n := len(s.take()); n != (hosts-1)*each {
				t.Errorf("host %d got %d, want %d", i, n, (hosts-1)*each)
			}
		}
		if st := link.Stats(); st.Sent != hosts*each || st.Delivered != hosts*(hosts-1)*each {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestRealTime uses the link outside a bubble, with a real delay.
func TestRealTime(t *testing.T) {
	link := mdnstest.NewLink(mdnstest.LinkConfig{Faults: mdnstest.Faults{Delay: 5 * time.Millisecond}})
	h1, h2 := link.AddHost("h1"), link.AddHost("h2")
	defer h1.Close()
	defer h2.Close()
	tx := listen(t, h1, "udp6", mdns.Port)
	rx := listen(t, h2, "udp6", mdns.Port, eth0)
	write(t, tx, "later", group6, eth0)
	buf := make([]byte, 100)
	n, info, err := rx.ReadFrom(buf)
	if err != nil || string(buf[:n]) != "later" || info.Src != netip.MustParseAddrPort("[fe80::1%eth0]:5353") {
		t.Errorf("ReadFrom = %q %+v %v", buf[:n], info, err)
	}
}
