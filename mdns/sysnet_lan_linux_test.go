package mdns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// sysLink is one end of a veth pair made by sysVethPairs.
type sysLink struct {
	ifi *net.Interface
	v4  netip.Addr
	ll  netip.Addr // link-local IPv6, unzoned
}

// sysVethPairs makes veth pairs sysa0-sysa1 and sysb0-sysb1 in the test's
// namespace: what leaves one end arrives at the other, so the interface a
// datagram arrives on tells which one it left through.
func sysVethPairs(t *testing.T) (a0, a1, b0, b1 sysLink) {
	t.Helper()
	// The ends share a namespace, so each receives datagrams from a local
	// address: accept_local keeps IPv4 from dropping them as martians.
	sysSysctl(t, "net/ipv4/conf/all/accept_local", "1")
	sysSysctl(t, "net/ipv4/conf/all/rp_filter", "0")
	sysSysctl(t, "net/ipv4/conf/default/rp_filter", "0")
	sysSysctl(t, "net/ipv6/conf/all/accept_dad", "0")
	sysSysctl(t, "net/ipv6/conf/default/accept_dad", "0")
	links := map[string]*sysLink{"sysa0": &a0, "sysa1": &a1, "sysb0": &b0, "sysb1": &b1}
	for n, p := range []string{"a", "b"} {
		sysSh(t, "ip", "link", "add", "sys"+p+"0", "type", "veth", "peer", "name", "sys"+p+"1")
		for end := range 2 {
			name := fmt.Sprintf("sys%s%d", p, end)
			l := links[name]
			l.v4 = netip.AddrFrom4([4]byte{10, byte(10 + n), 0, byte(end + 1)})
			l.ll = sysMustAddr(fmt.Sprintf("fe80::%s%d", p, end))
			sysSh(t, "ip", "link", "set", name, "addrgenmode", "none")
			sysSh(t, "ip", "addr", "add", l.v4.String()+"/24", "dev", name)
			sysSh(t, "ip", "-6", "addr", "add", l.ll.String()+"/64", "dev", name, "nodad")
			sysSh(t, "ip", "link", "set", name, "up")
		}
	}
	for name := range links {
		sysWaitUp(t, name)
	}
	for name, l := range links {
		ifi, err := net.InterfaceByName(name)
		if err != nil {
			t.Fatal(err)
		}
		l.ifi = ifi
	}
	return a0, a1, b0, b1
}

// sysWaitUp waits until the kernel has activated the link's queueing
// (asynchronously, from linkwatch): before that it drops what is sent.
func sysWaitUp(t *testing.T, name string) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		out := sysSh(t, "ip", "-o", "link", "show", "dev", name)
		if strings.Contains(out, "state UP") && !strings.Contains(out, "qdisc noop") {
			return
		}
		if time.Now().After(end) {
			t.Fatalf("%s is not up: %s", name, out)
		}
	}
}

// TestSysTwoInterfaces: over two veth pairs, a multicast leaves through
// the interface WriteTo names (it arrives at that pair's other end), with
// the right packet info and hop limit 255, and a socket only receives the
// group on the interfaces it joined it on itself: for IPv4 the kernel sees
// to that (IP_MULTICAST_ALL off), for IPv6, whose kernel filter ignores
// the interface, ReadFrom does.
func TestSysTwoInterfaces(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		a0, a1, b0, b1 := sysVethPairs(t)
		for _, network := range []string{"udp4", "udp6"} {
			t.Run(network, func(t *testing.T) {
				src := func(l, via sysLink) netip.AddrPort {
					if network == "udp6" {
						return netip.AddrPortFrom(l.ll.WithZone(via.ifi.Name), Port)
					}
					return netip.AddrPortFrom(l.v4, Port)
				}
				group := sysGroup(network)
				rx := sysListen(t, network, Port)
				sysJoin(t, rx, a1.ifi, b1.ifi)
				onlyA := sysListen(t, network, Port)
				sysJoin(t, onlyA, a1.ifi)
				onlyB := sysListen(t, network, Port)
				sysJoin(t, onlyB, b1.ifi)
				tx := sysListen(t, network, Port) // joins nothing

				for i, tc := range []struct{ out, in sysLink }{{a0, a1}, {b0, b1}, {a0, a1}} {
					payload := fmt.Sprintf("%d via %s", i, tc.out.ifi.Name)
					sysWrite(t, tx, payload, group, tc.out.ifi.Index)
					got, info := sysRead(t, rx)
					want := PacketInfo{Src: src(tc.out, tc.in), Dst: group.Addr(), IfIndex: tc.in.ifi.Index}
					if got != payload || info != want {
						t.Errorf("sent %q out of %s: got %q %+v, want %+v", payload, tc.out.ifi.Name, got, info, want)
					}
					// rx has it, so every member socket has been given it.
					member, other := onlyA, onlyB
					if tc.in == b1 {
						member, other = onlyB, onlyA
					}
					if got, hops := sysReadTTL(t, member); got != payload || hops != 255 {
						t.Errorf("member socket got %q with hop limit %d, want %q with 255 (RFC 6762 §11)", got, hops, payload)
					}
					if network == "udp4" {
						// The kernel itself must not have queued it.
						sysNothingQueued(t, other, other.readOne)
					}
					sysNothingQueued(t, other, other.ReadFrom)
					sysNothingQueued(t, tx, tx.readOne)
				}
				// After LeaveGroup on b1, rx only hears a1.
				if err := rx.LeaveGroup(b1.ifi.Index); err != nil {
					t.Fatal(err)
				}
				if err := rx.LeaveGroup(b1.ifi.Index); err != nil {
					t.Errorf("leaving twice: %v", err)
				}
				sysWrite(t, tx, "b after leave", group, b0.ifi.Index)
				if got, _ := sysRead(t, onlyB); got != "b after leave" {
					t.Fatalf("got %q", got)
				}
				sysNothingQueued(t, rx, rx.ReadFrom)
			})
		}
		// A link-local unicast destination without a zone is scoped by
		// the interface index alone.
		u := sysListen(t, "udp6", 0)
		tx := sysListen(t, "udp6", 0)
		sysWrite(t, tx, "ll", netip.AddrPortFrom(b1.ll, uint16(sysLocalPort(u))), b0.ifi.Index)
		if got, info := sysRead(t, u); got != "ll" || info.Dst != b1.ll || !info.Src.Addr().IsLinkLocalUnicast() {
			t.Errorf("link-local unicast: got %q %+v", got, info)
		}
	})
}

// sysNothingQueued fails t if read returns a datagram at once.
func sysNothingQueued(t *testing.T, c *sysConn, read func([]byte) (int, PacketInfo, error)) {
	t.Helper()
	if err := c.uc.SetReadDeadline(time.Now()); err != nil {
		t.Fatal(err)
	}
	n, info, err := read(make([]byte, 100))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("socket joined on %v received %d bytes %+v (%v)", c.joined, n, info, err)
	}
}

// TestSysAvahiCoexists binds :5353 on a host where avahi-daemon already
// holds it: ListenPacket succeeds, a query sent from it reaches the avahi
// of another host, whose answer it receives, and the local avahi still
// answers for its own name.
func TestSysAvahiCoexists(t *testing.T) {
	testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		self, h1 := lan.Self(), lan.Host(1)
		self.StartAvahi(t)
		h1.StartAvahi(t)
		br0, err := net.InterfaceByName(self.Iface)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			network string
			qtype   uint16
			want    netip.Addr
		}{
			{"udp4", dnsmsg.TypeA, h1.IPv4},
			{"udp6", dnsmsg.TypeAAAA, h1.IPv6},
		} {
			c := sysListen(t, tc.network, Port)
			sysJoin(t, c, br0)
			q := new(dnsmsg.Msg)
			q.Question = []dnsmsg.Question{{Name: h1.Name + ".local.", Qtype: tc.qtype, Qclass: dnsmsg.ClassINET}}
			q.ID = 0
			wire, err := q.Pack()
			if err != nil {
				t.Fatal(err)
			}
			sysWrite(t, c, string(wire), sysGroup(tc.network), br0.Index)
			var from netip.AddrPort
			for end := time.Now().Add(10 * time.Second); !from.IsValid() && time.Now().Before(end); {
				got, info := sysRead(t, c)
				var m dnsmsg.Msg
				if info.Src.Port() != Port || info.IfIndex != br0.Index || m.Unpack([]byte(got)) != nil || !m.Response {
					continue // our own query
				}
				for _, rr := range m.Answer {
					var ip net.IP
					switch rr := rr.(type) {
					case *dnsmsg.A:
						ip = rr.Addr.AsSlice()
					case *dnsmsg.AAAA:
						ip = rr.Addr.AsSlice()
					}
					// Only h1's avahi is authoritative for h1's address.
					if a, ok := netip.AddrFromSlice(ip); ok && a.Unmap() == tc.want {
						from = info.Src
					}
				}
			}
			if !from.IsValid() {
				t.Errorf("%s: no answer for %s.local from h1's avahi", tc.network, h1.Name)
			} else if from.Addr() != h1.IPv4 && from.Addr() != h1.IPv6 && from.Addr() != h1.LinkLocal.WithZone(br0.Name) {
				t.Errorf("%s: answer came from %v, not from h1", tc.network, from)
			}
		}
		// The sockets above are still open: the avahi sharing the port
		// still answers for its own name.
		out, err := h1.Run(t, 15*time.Second, "avahi-resolve", "-4", "-n", self.Name+".local")
		if err != nil || !strings.Contains(out, self.IPv4.String()) {
			t.Errorf("avahi-resolve on h1 for %s.local: %q, %v", self.Name, out, err)
		}
	})
}
