package mdnstest_test

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

func TestMulticastReachesMembersOnly(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2, h3, h4 := link.AddHost("h1"), link.AddHost("h2"), link.AddHost("h3"), link.AddHost("h4")
		tx := listen(t, h1, "udp4", mdns.Port) // not joined: no loopback copy
		defer tx.Close()
		s2 := listenSink(t, h2, "udp4", mdns.Port, eth0)
		s3 := listenSink(t, h3, "udp4", mdns.Port, eth0)
		s3other := listenSink(t, h3, "udp4", 5354, eth0) // joined, wrong port
		s4 := listenSink(t, h4, "udp4", mdns.Port)       // bound, not joined
		s2v6 := listenSink(t, h2, "udp6", mdns.Port, eth0)

		write(t, tx, "hello", group4, eth0)
		synctest.Wait()

		want := mdns.PacketInfo{Src: netip.MustParseAddrPort("10.0.0.1:5353"), Dst: mdns.GroupIPv4(), IfIndex: eth0}
		for _, s := range []*sink{s2, s3} {
			g := s.take()
			if len(g) != 1 || g[0].data != "hello" || g[0].info != want {
				t.Errorf("member got %+v, want hello with %+v", g, want)
			}
		}
		for name, s := range map[string]*sink{"other port": s3other, "not joined": s4, "udp6": s2v6} {
			if g := s.take(); len(g) != 0 {
				t.Errorf("%s socket got %+v", name, g)
			}
		}
		p := link.Packets()
		if len(p) != 1 || len(p[0].Deliveries) != 2 || p[0].Host != "h1" || p[0].Dropped != "" {
			t.Fatalf("log = %+v", p)
		}
		for i, host := range []string{"h2", "h3"} {
			d := p[0].Deliveries[i]
			if d.Host != host || d.IfIndex != eth0 || d.Sockets != 1 || d.Loopback {
				t.Errorf("delivery %d = %+v", i, d)
			}
		}
		for _, h := range []*mdnstest.Host{h1, h2, h3, h4} {
			h.Close()
		}
	})
}

func TestMulticastLoopback(t *testing.T) {
	for _, loop := range []bool{true, false} {
		t.Run(fmt.Sprintf("loopback=%v", loop), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := mdnstest.NewLink(mdnstest.LinkConfig{})
				h1 := mdnstest.NewHost(mdnstest.HostConfig{Name: "h1", NoMulticastLoopback: !loop})
				must(h1.AddInterface(link, mdnstest.InterfaceConfig{Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24")}}))
				h2 := link.AddHost("h2")
				tx := listen(t, h1, "udp4", mdns.Port, eth0)
				self := collect(t, tx)
				peer := listenSink(t, h1, "udp4", mdns.Port, eth0) // another socket on the sender
				other := listenSink(t, h2, "udp4", mdns.Port, eth0)

				write(t, tx, "q", group4, eth0)
				synctest.Wait()

				want := 0
				if loop {
					want = 1
				}
				if n := len(self.take()); n != want {
					t.Errorf("sending socket got %d copies, want %d", n, want)
				}
				if g := peer.take(); len(g) != want || want == 1 && g[0].info.IfIndex != eth0 {
					t.Errorf("other socket on sender got %+v, want %d", g, want)
				}
				if n := len(other.take()); n != 1 {
					t.Errorf("other host got %d, want 1", n)
				}
				p := link.Packets()[0]
				loops := slices.IndexFunc(p.Deliveries, func(d mdnstest.Delivery) bool { return d.Loopback })
				if (loops >= 0) != loop {
					t.Errorf("deliveries %+v, loopback recorded = %v, want %v", p.Deliveries, loops >= 0, loop)
				}
			})
		})
	}
}

func TestUnicastGoesToOneSocket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2, h3 := link.AddHost("h1"), link.AddHost("h2"), link.AddHost("h3")
		tx := listen(t, h1, "udp4", mdns.Port)
		defer tx.Close()
		older := listenSink(t, h2, "udp4", mdns.Port, eth0)
		newer := listenSink(t, h2, "udp4", mdns.Port) // unicast needs no membership
		bystander := listenSink(t, h3, "udp4", mdns.Port, eth0)

		dst := netip.AddrPortFrom(addr(t, h2, "eth0", is4), mdns.Port)
		write(t, tx, "u", dst, 0)
		synctest.Wait()

		if g := newer.take(); len(g) != 1 || g[0].info.Dst != dst.Addr() || g[0].info.IfIndex != eth0 ||
			g[0].info.Src != netip.MustParseAddrPort("10.0.0.1:5353") {
			t.Errorf("newest socket got %+v", g)
		}
		if g := older.take(); len(g) != 0 {
			t.Errorf("older socket got %+v; unicast goes to one socket", g)
		}
		if g := bystander.take(); len(g) != 0 {
			t.Errorf("other host got %+v", g)
		}

		// To an address nobody on the link has: dropped and counted.
		write(t, tx, "lost", netip.MustParseAddrPort("10.0.9.9:5353"), 0)
		// To a port nobody listens on.
		write(t, tx, "unheard", netip.AddrPortFrom(dst.Addr(), 9), 0)
		synctest.Wait()
		p := link.Packets()
		if p[1].Dropped != mdnstest.DropNoHost || p[2].Dropped != mdnstest.DropNoListener {
			t.Errorf("fates = %q, %q", p[1].Dropped, p[2].Dropped)
		}
		if st := link.Stats(); st.NoHost != 1 || st.NoListener != 1 || st.Sent != 3 || st.Delivered != 1 {
			t.Errorf("stats = %+v", st)
		}
	})
}

func TestUnicastToOwnAddressIsLocal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1 := link.AddHost("h1")
		defer h1.Close()
		tx := listen(t, h1, "udp6", 0)
		rx := listenSink(t, h1, "udp6", mdns.Port)
		own := addr(t, h1, "eth0", isULA)
		write(t, tx, "me", netip.AddrPortFrom(own, mdns.Port), 0)
		synctest.Wait()
		if g := rx.take(); len(g) != 1 || g[0].info.IfIndex != 1 || g[0].info.Src.Addr() != own {
			t.Errorf("got %+v, want one datagram via lo from %v", g, own)
		}
		if n := len(link.Packets()); n != 0 {
			t.Errorf("local traffic put %d packets on the link", n)
		}
	})
}

func TestLegacyUnicastReplyToEphemeralPort(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		querier, responder := link.AddHost("q"), link.AddHost("r")
		q := listen(t, querier, "udp4", 0)
		qs := collect(t, q)
		r := listen(t, responder, "udp4", mdns.Port, eth0)
		rs := collect(t, r)

		write(t, q, "query", group4, eth0)
		synctest.Wait()
		g := rs.take()
		if len(g) != 1 || g[0].info.Src.Port() < 49152 {
			t.Fatalf("responder got %+v, want one query from an ephemeral port", g)
		}
		write(t, r, "answer", g[0].info.Src, g[0].info.IfIndex)
		synctest.Wait()
		if a := qs.datas(); !equal(a, []string{"answer"}) {
			t.Errorf("querier got %q", a)
		}
	})
}

func TestIPv6LinkLocalZoneIsReceivers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1 := link.AddHost("h1")
		h2 := mdnstest.NewHost(mdnstest.HostConfig{Name: "h2"})
		idx := must(h2.AddInterface(link, mdnstest.InterfaceConfig{Name: "en7", Prefixes: []netip.Prefix{
			netip.MustParsePrefix("fd00::99/64"), netip.MustParsePrefix("fe80::99/64"),
		}}))
		tx := listen(t, h1, "udp6", mdns.Port)
		rx := listen(t, h2, "udp6", mdns.Port, idx)
		rs := collect(t, rx)

		write(t, tx, "m", group6, eth0)
		synctest.Wait()
		want := mdns.PacketInfo{Src: netip.MustParseAddrPort("[fe80::1%en7]:5353"), Dst: mdns.GroupIPv6(), IfIndex: idx}
		if g := rs.take(); len(g) != 1 || g[0].info != want {
			t.Errorf("got %+v, want %+v", g, want)
		}
		if p := link.Packets()[0]; p.Src != netip.MustParseAddrPort("[fe80::1%eth0]:5353") {
			t.Errorf("log src = %v, want the sender's zone", p.Src)
		}

		// Unicast back to the link-local source, zone and all.
		write(t, rx, "r", want.Src, 0)
		txs := collect(t, tx)
		synctest.Wait()
		if g := txs.take(); len(g) != 1 || g[0].info.Src != netip.MustParseAddrPort("[fe80::99%eth0]:5353") ||
			g[0].info.Dst != netip.MustParseAddr("fe80::1") {
			t.Errorf("reply got %+v", g)
		}
		// Without zone or index a link-local destination is ambiguous.
		if _, err := rx.WriteTo([]byte("x"), netip.MustParseAddrPort("[fe80::1]:5353"), 0); !errors.Is(err, mdnstest.ErrNoInterface) {
			t.Errorf("zoneless link-local write: %v", err)
		}
		h1.Close()
		h2.Close()
	})
}

func TestInterfacesOnTwoLinks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		linkA := mdnstest.NewLink(mdnstest.LinkConfig{Name: "A"})
		linkB := mdnstest.NewLink(mdnstest.LinkConfig{Name: "B", IPv4Prefix: netip.MustParsePrefix("192.168.7.0/24")})
		router := mdnstest.NewHost(mdnstest.HostConfig{Name: "r", NoMulticastLoopback: true})
		ifA := must(router.AddInterface(linkA, mdnstest.InterfaceConfig{Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.100/16")}}))
		ifB := must(router.AddInterface(linkB, mdnstest.InterfaceConfig{Prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.7.100/24")}}))
		a, b := linkA.AddHost("a"), linkB.AddHost("b")
		rsock := listen(t, router, "udp4", mdns.Port, ifA, ifB)
		rs := collect(t, rsock)
		as := listenSink(t, a, "udp4", mdns.Port, eth0)
		bsock := listen(t, b, "udp4", mdns.Port, eth0)
		bs := collect(t, bsock)

		write(t, rsock, "to A", group4, ifA)
		synctest.Wait()
		if g := as.datas(); !equal(g, []string{"to A"}) {
			t.Errorf("a got %q", g)
		}
		if g := bs.take(); len(g) != 0 {
			t.Errorf("b got %+v from an interface on the other link", g)
		}
		if n := len(linkB.Packets()); n != 0 {
			t.Errorf("link B carried %d packets", n)
		}

		write(t, bsock, "from B", group4, eth0)
		synctest.Wait()
		if g := rs.take(); len(g) != 1 || g[0].info.IfIndex != ifB || g[0].info.Src.Addr() != netip.MustParseAddr("192.168.7.1") {
			t.Errorf("router got %+v, want one on interface %d", g, ifB)
		}
		if g := as.take(); len(g) != 0 {
			t.Errorf("a got %+v from link B", g)
		}
		if g := bs.datas(); !equal(g, []string{"from B"}) { // b's own loopback copy
			t.Errorf("b got %q", g)
		}
		// Unicast picks the interface whose prefix holds the destination.
		write(t, rsock, "uni", netip.MustParseAddrPort("192.168.7.1:5353"), 0)
		synctest.Wait()
		if g := bs.datas(); !equal(g, []string{"uni"}) {
			t.Errorf("b got %q", g)
		}
		router.Close()
		a.Close()
		b.Close()
	})
}

func TestJoinLeave(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		tx := listen(t, h1, "udp4", mdns.Port)
		rx := listen(t, h2, "udp4", mdns.Port)
		rs := collect(t, rx)

		send := func(msg string) { write(t, tx, msg, group4, eth0); synctest.Wait() }
		send("before")
		if err := rx.JoinGroup(eth0); err != nil {
			t.Fatal(err)
		}
		if err := rx.JoinGroup(eth0); err != nil {
			t.Fatalf("joining twice: %v", err)
		}
		send("joined")
		if err := rx.LeaveGroup(eth0); err != nil {
			t.Fatal(err)
		}
		send("left")
		if g := rs.datas(); !equal(g, []string{"joined"}) {
			t.Errorf("got %q, want only the datagram sent while joined", g)
		}
		if p := link.Packets(); p[0].Dropped != mdnstest.DropNoListener || p[2].Dropped != mdnstest.DropNoListener {
			t.Errorf("fates %q %q, want no listener", p[0].Dropped, p[2].Dropped)
		}
		if err := rx.JoinGroup(42); !errors.Is(err, mdnstest.ErrNoInterface) {
			t.Errorf("join on unknown index: %v", err)
		}
		h1.Close()
		h2.Close()
	})
}

func TestMTUAndSizeLimits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer h1.Close()
		defer h2.Close()
		tx4, tx6 := listen(t, h1, "udp4", mdns.Port), listen(t, h1, "udp6", mdns.Port)
		rs := listenSink(t, h2, "udp4", mdns.Port, eth0)

		if _, err := tx4.WriteTo(make([]byte, 65508), group4, eth0); !errors.Is(err, mdnstest.ErrTooLarge) {
			t.Errorf("65508 bytes over IPv4: %v", err)
		}
		if _, err := tx6.WriteTo(make([]byte, 65528), group6, eth0); !errors.Is(err, mdnstest.ErrTooLarge) {
			t.Errorf("65528 bytes over IPv6: %v", err)
		}
		write(t, tx4, string(make([]byte, 1500-28)), group4, eth0) // fits exactly
		write(t, tx4, string(make([]byte, 1500-27)), group4, eth0) // one byte over: fragmented
		write(t, tx4, string(make([]byte, 65507)), group4, eth0)
		synctest.Wait()
		var sizes []int
		for _, g := range rs.take() {
			sizes = append(sizes, len(g.data))
		}
		if !equal(sizes, []int{1472, 1473, 65507}) {
			t.Errorf("received sizes %v", sizes)
		}
		p := link.Packets()
		if p[0].OverMTU || !p[1].OverMTU || !p[2].OverMTU || link.Stats().OverMTU != 2 {
			t.Errorf("OverMTU flags %v %v %v, stats %+v", p[0].OverMTU, p[1].OverMTU, p[2].OverMTU, link.Stats())
		}
	})
}

func TestReadTruncatesToBuffer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer h1.Close()
		defer h2.Close()
		tx := listen(t, h1, "udp4", mdns.Port)
		rx := listen(t, h2, "udp4", mdns.Port, eth0)
		write(t, tx, "0123456789", group4, eth0)
		buf := make([]byte, 4)
		n, _, err := rx.ReadFrom(buf)
		if err != nil || n != 4 || string(buf) != "0123" {
			t.Errorf("ReadFrom = %d %q %v", n, buf[:n], err)
		}
	})
}

func TestInject(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h := link.AddHost("h1")
		defer h.Close()
		rs := listenSink(t, h, "udp4", mdns.Port, eth0)
		legacy := listenSink(t, h, "udp4", 40000)

		spoof := netip.MustParseAddrPort("203.0.113.9:5353")
		if err := link.Inject(spoof, group4, []byte("off-link")); err != nil {
			t.Fatal(err)
		}
		own := netip.AddrPortFrom(addr(t, h, "eth0", is4), 40000)
		if err := link.Inject(netip.MustParseAddrPort("10.0.0.77:5353"), own, []byte("uni")); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if g := rs.take(); len(g) != 1 || g[0].info.Src != spoof || g[0].data != "off-link" {
			t.Errorf("group socket got %+v", g)
		}
		if g := legacy.datas(); !equal(g, []string{"uni"}) {
			t.Errorf("port 40000 got %q", g)
		}
		if p := link.Packets()[0]; p.Host != "" || p.Src != spoof {
			t.Errorf("injected packet logged as %+v", p)
		}
		if err := link.Inject(spoof, group6, nil); err == nil {
			t.Error("inject across families succeeded")
		}
	})
}
