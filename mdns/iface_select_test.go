package mdns_test

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// manyIfaces is a host with interfaces named like a Linux desktop's: two
// wired, a wireless, a container bridge and a veth, each on a link of its
// own with an IPv4 and an IPv6 address.
func manyIfaces(t *testing.T) *mdnstest.Host {
	t.Helper()
	h := mdnstest.NewHost(mdnstest.HostConfig{Name: "desk"})
	t.Cleanup(func() { h.Close() })
	for i, name := range []string{"eth0", "enp3s0", "wlan0", "docker0", "veth1a2b"} {
		link := newLink(t, mdnstest.LinkConfig{Name: name})
		ps := []netip.Prefix{
			netip.MustParsePrefix(fmt.Sprintf("10.%d.0.1/24", i+1)),
			netip.MustParsePrefix(fmt.Sprintf("fd00:%d::1/64", i+1)),
		}
		if _, err := h.AddInterface(link, mdnstest.InterfaceConfig{Name: name, Prefixes: ps}); err != nil {
			t.Fatal(err)
		}
	}
	return h
}

func ifaceNames(c *mdns.Conn) []string {
	var out []string
	for _, it := range c.Interfaces() {
		out = append(out, it.Name)
	}
	slices.Sort(out)
	return out
}

// issue 14: interfaces chosen by pattern and excluded by pattern, the
// exclusion winning; excluding every real interface leaves loopback.
func TestInterfacePatterns(t *testing.T) {
	for _, c := range []struct {
		include, exclude []string
		want             []string
	}{
		{nil, nil, []string{"docker0", "enp3s0", "eth0", "veth1a2b", "wlan0"}},
		{[]string{"e*"}, nil, []string{"enp3s0", "eth0"}},
		{[]string{"e*", "wlan?"}, []string{"eth*"}, []string{"enp3s0", "wlan0"}},
		{nil, []string{"docker*", "veth*"}, []string{"enp3s0", "eth0", "wlan0"}},
		{[]string{"wlan0"}, nil, []string{"wlan0"}},
		{[]string{"lo", "eth0"}, nil, []string{"eth0", "lo"}},
		{nil, []string{"*0", "veth*"}, []string{"lo"}}, // everything real excluded: offline fallback
		{nil, []string{"*"}, nil},                      // nothing at all
	} {
		t.Run(fmt.Sprintf("%v-%v", c.include, c.exclude), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				h := manyIfaces(t)
				conn, err := mdns.Listen(mdns.Config{Network: h, Interfaces: c.include, ExcludeInterfaces: c.exclude})
				if c.want == nil {
					if !errors.Is(err, mdns.ErrNoInterface) || !strings.Contains(err.Error(), "not excluded by [*]") {
						t.Fatalf("Listen = %v, want ErrNoInterface naming the exclusion", err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				if got := ifaceNames(conn); !slices.Equal(got, c.want) {
					t.Errorf("serving %v, want %v", got, c.want)
				}
			})
		})
	}
}

// A bad pattern is refused by Listen, naming it, and by
// ValidateInterfacePattern.
func TestInterfacePatternInvalid(t *testing.T) {
	for _, p := range []string{"en[", "", `eth\`} {
		if err := mdns.ValidateInterfacePattern(p); !errors.Is(err, mdns.ErrInvalidName) {
			t.Errorf("ValidateInterfacePattern(%q) = %v, want ErrInvalidName", p, err)
		}
		_, err := mdns.Listen(mdns.Config{Network: mdnstest.NewHost(mdnstest.HostConfig{}), ExcludeInterfaces: []string{"docker*", p}})
		if !errors.Is(err, mdns.ErrInvalidName) || !strings.Contains(err.Error(), fmt.Sprintf("%q", p)) {
			t.Errorf("Listen with pattern %q: %v", p, err)
		}
	}
	for _, p := range []string{"eth0", "en*", "wlan[0-9]", "br-*", "*"} {
		if err := mdns.ValidateInterfacePattern(p); err != nil {
			t.Errorf("ValidateInterfacePattern(%q) = %v", p, err)
		}
	}
}

// joinLimit is a Network whose IPv4 sockets refuse to join the group on
// more than max interfaces, as Linux does past
// net.ipv4.igmp_max_memberships (ENOBUFS).
type joinLimit struct {
	*mdnstest.Host
	max int
}

func (n joinLimit) ListenPacket(network string, port int) (mdns.PacketConn, error) {
	pc, err := n.Host.ListenPacket(network, port)
	if err != nil || network != "udp4" {
		return pc, err
	}
	return &limitedConn{PacketConn: pc, max: n.max, joined: map[int]bool{}}, nil
}

type limitedConn struct {
	mdns.PacketConn
	max    int
	mu     sync.Mutex
	joined map[int]bool
}

func (c *limitedConn) JoinGroup(ifIndex int) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.joined[ifIndex] && len(c.joined) >= c.max {
		return fmt.Errorf("setsockopt: %w", syscall.ENOBUFS)
	}
	c.joined[ifIndex] = true
	return c.PacketConn.JoinGroup(ifIndex)
}

func (c *limitedConn) LeaveGroup(ifIndex int) error {
	c.mu.Lock()
	delete(c.joined, ifIndex)
	c.mu.Unlock()
	return c.PacketConn.LeaveGroup(ifIndex)
}

// issue 14: past the system's limit of IPv4 group memberships, each
// interface that could not join is reported once through Config.Warn as a
// *JoinError wrapping ENOBUFS, counted in Stats, and still served over
// IPv6; a later change of the interfaces reports nothing new.
func TestJoinFailureWarned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		h := manyIfaces(t)
		var mu sync.Mutex
		var warned []*mdns.JoinError
		conn, err := mdns.Listen(mdns.Config{Network: joinLimit{h, 2}, Warn: func(err error) {
			var je *mdns.JoinError
			if !errors.As(err, &je) {
				t.Errorf("Warn(%v): not a JoinError", err)
				return
			}
			mu.Lock()
			warned = append(warned, je)
			mu.Unlock()
		}})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if got := ifaceNames(conn); len(got) != 5 {
			t.Errorf("serving %v, want all five (IPv6 where IPv4 failed)", got)
		}
		link := newLink(t)
		if _, err := h.AddInterface(link, mdnstest.InterfaceConfig{Name: "eth9", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.9.0.1/24")}}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second) // watch and refresh
		mu.Lock()
		defer mu.Unlock()
		var names []string
		for _, je := range warned {
			names = append(names, je.Interface)
			if je.Group != mdns.GroupIPv4() || !errors.Is(je, syscall.ENOBUFS) {
				t.Errorf("%v: want IPv4 and ENOBUFS", je)
			}
			if want := "mdns: cannot join the mDNS group 224.0.0.251 on " + je.Interface + ": no buffer space available"; je.Error() != want {
				t.Errorf("message %q, want %q", je.Error(), want)
			}
		}
		if len(warned) != 4 || slices.Contains(names, "eth0") || !slices.Contains(names, "eth9") {
			t.Errorf("warned for %v, want once for each of the 3 interfaces past the limit of 2, and eth9 (IPv4 only)", names)
		}
		if n := conn.Stats().JoinFailures; n < 4 {
			t.Errorf("Stats.JoinFailures = %d, want at least 4", n)
		}
	})
}
