package mdns

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// Port 5353 next to a socket that set SO_REUSEPORT alone (older
// mDNSResponder builds for POSIX do; mDNSResponder on macOS does the same
// on its platform), and the kernel behaviour that keeps SO_REUSEPORT out
// of the default. Every socket here lives in a testlan namespace.

// sysRawOpt is one setsockopt of a socket that plays another program's.
type sysRawOpt struct{ level, opt, value int }

var (
	sysRawReuseAddr = sysRawOpt{unix.SOL_SOCKET, unix.SO_REUSEADDR, 1}
	sysRawReusePort = sysRawOpt{unix.SOL_SOCKET, unix.SO_REUSEPORT, 1}
	sysRawV6Only    = sysRawOpt{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1}
	sysRawMcAllOff  = sysRawOpt{unix.IPPROTO_IP, unix.IP_MULTICAST_ALL, 0}
)

// sysRawSocket opens a UDP socket with exactly opts set and binds it to
// the wildcard address on port. It is closed when the test ends, or
// earlier by sysRawClose.
func sysRawSocket(t *testing.T, v6 bool, port int, opts ...sysRawOpt) (int, error) {
	t.Helper()
	if !testlan.InNamespace() {
		t.Fatal("socket outside a testlan namespace")
	}
	family := unix.AF_INET
	var sa unix.Sockaddr = &unix.SockaddrInet4{Port: port}
	if v6 {
		family, sa = unix.AF_INET6, &unix.SockaddrInet6{Port: port}
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	sysRawOpen.Store(fd, new(sync.Once))
	t.Cleanup(func() { sysRawClose(fd) })
	for _, o := range opts {
		if err := unix.SetsockoptInt(fd, o.level, o.opt, o.value); err != nil {
			t.Fatal(err)
		}
	}
	return fd, unix.Bind(fd, sa)
}

// sysRawOpen holds a sync.Once per open raw socket, so that a number
// the kernel hands out again is never closed twice.
var sysRawOpen sync.Map

func sysRawClose(fd int) {
	if once, ok := sysRawOpen.LoadAndDelete(fd); ok {
		once.(*sync.Once).Do(func() { unix.Close(fd) })
	}
}

func sysRawJoin(t *testing.T, fd int, v6 bool, ifis ...*net.Interface) {
	t.Helper()
	for _, ifi := range ifis {
		var err error
		if v6 {
			err = unix.SetsockoptIPv6Mreq(fd, unix.IPPROTO_IPV6, unix.IPV6_JOIN_GROUP,
				&unix.IPv6Mreq{Multiaddr: groupIPv6.As16(), Interface: uint32(ifi.Index)})
		} else {
			err = unix.SetsockoptIPMreqn(fd, unix.IPPROTO_IP, unix.IP_ADD_MEMBERSHIP,
				&unix.IPMreqn{Multiaddr: groupIPv4.As4(), Ifindex: int32(ifi.Index)})
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// sysRawDrain appends to got every datagram queued on fd.
func sysRawDrain(fd int, got map[string]int) {
	b := make([]byte, 100)
	for {
		n, _, err := unix.Recvfrom(fd, b, unix.MSG_DONTWAIT)
		if err != nil {
			return
		}
		got[string(b[:n])]++
	}
}

// sysSendFromPorts multicasts n datagrams "<tag>-<i>" out of ifi, each
// from a socket of its own, so from n source ports: a reuseport group
// picks its member by a hash of the source.
func sysSendFromPorts(t *testing.T, network, tag string, ifi *net.Interface, n int) {
	t.Helper()
	for i := range n {
		tx := sysListen(t, network, 0)
		sysWrite(t, tx, fmt.Sprintf("%s-%d", tag, i), sysGroup(network), ifi.Index)
		tx.Close()
	}
}

// sysWaitCount drains fds until count returns true or a few seconds
// pass, and returns what each received.
func sysWaitCount(fds []int, done func([]map[string]int) bool) []map[string]int {
	got := make([]map[string]int, len(fds))
	for i := range got {
		got[i] = map[string]int{}
	}
	for end := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		for i, fd := range fds {
			sysRawDrain(fd, got[i])
		}
		if done(got) || time.Now().After(end) {
			return got
		}
	}
}

func sysTagged(got map[string]int, tag string) int {
	n := 0
	for k, v := range got {
		if strings.HasPrefix(k, tag+"-") {
			n += v
		}
	}
	return n
}

const sysSources = 32

// TestSysReusePortMisdelivers is why Linux sockets do not set
// SO_REUSEPORT by default: two sockets configured as ours would be with
// it, one joined on a1 and one joined nowhere; of the datagrams arriving
// on a1 the kernel hands a share to the one that never joined (IPv4; the
// IPv6 multicast path has no early demux). With SO_REUSEADDR alone, as
// ours are, each datagram reaches exactly the socket that joined.
func TestSysReusePortMisdelivers(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		a0, a1, _, _ := sysVethPairs(t)
		open := func(opts ...sysRawOpt) int {
			fd, err := sysRawSocket(t, false, Port, opts...)
			if err != nil {
				t.Fatal(err)
			}
			return fd
		}
		// Our default first: the socket that joined gets every datagram.
		joined := open(sysRawReuseAddr, sysRawMcAllOff)
		sysRawJoin(t, joined, false, a1.ifi)
		bystander := open(sysRawReuseAddr, sysRawMcAllOff)
		sysSendFromPorts(t, "udp4", "addr", a0.ifi, sysSources)
		got := sysWaitCount([]int{joined, bystander}, func(g []map[string]int) bool { return sysTagged(g[0], "addr") == sysSources })
		if sysTagged(got[0], "addr") != sysSources || sysTagged(got[1], "addr") != 0 {
			t.Errorf("SO_REUSEADDR: the joined socket got %d of %d, the other %d; want all and none",
				sysTagged(got[0], "addr"), sysSources, sysTagged(got[1], "addr"))
		}
		sysRawClose(joined)
		sysRawClose(bystander)

		joined = open(sysRawReuseAddr, sysRawReusePort, sysRawMcAllOff)
		sysRawJoin(t, joined, false, a1.ifi)
		bystander = open(sysRawReuseAddr, sysRawReusePort, sysRawMcAllOff)
		sysSendFromPorts(t, "udp4", "port", a0.ifi, sysSources)
		got = sysWaitCount([]int{joined, bystander}, func(g []map[string]int) bool {
			return sysTagged(g[0], "port")+sysTagged(g[1], "port") == sysSources
		})
		j, b := sysTagged(got[0], "port"), sysTagged(got[1], "port")
		if j+b != sysSources {
			t.Fatalf("SO_REUSEPORT: %d + %d datagrams of %d arrived", j, b, sysSources)
		}
		if b == 0 {
			// Kernels before the re-selection of early-demuxed sockets
			// (see sysOptsLinux) deliver to the joined socket; the
			// default is right there too.
			t.Skipf("this kernel (%s) did not mis-steer any of %d datagrams; the finding behind sysOptsLinux does not reproduce here", sysKernel(t), sysSources)
		}
		t.Logf("SO_REUSEPORT on %s: the socket that never joined received %d of %d datagrams", sysKernel(t), b, sysSources)
	})
}

func sysKernel(t *testing.T) string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		t.Fatal(err)
	}
	return "Linux " + unix.ByteSliceToString(u.Release[:])
}

// TestSysReusePortOwner: another program holds :5353 with SO_REUSEPORT
// alone and has joined the group on a1 and b1. A socket with
// SO_REUSEADDR alone cannot bind there; ListenPacket can, by joining the
// owner's reuseport group. The owner still receives every datagram on
// both interfaces, and ours exactly those on the interface it joined,
// with their packet info.
func TestSysReusePortOwner(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		a0, a1, b0, b1 := sysVethPairs(t)
		for _, network := range []string{"udp4", "udp6"} {
			t.Run(network, func(t *testing.T) {
				v6 := network == "udp6"
				ownerOpts := []sysRawOpt{sysRawReusePort}
				if v6 {
					ownerOpts = append(ownerOpts, sysRawV6Only)
				}
				owner, err := sysRawSocket(t, v6, Port, ownerOpts...)
				if err != nil {
					t.Fatal(err)
				}
				sysRawJoin(t, owner, v6, a1.ifi, b1.ifi)
				if _, err := sysRawSocket(t, v6, Port, sysRawReuseAddr); !errors.Is(err, unix.EADDRINUSE) {
					t.Fatalf("a socket with SO_REUSEADDR alone bound next to the owner (%v): the test no longer needs the second plan", err)
				}

				ours := sysListen(t, network, Port)
				if ours.share != sysSharePort {
					t.Fatalf("ListenPacket shares the port with %v, want SO_REUSEPORT", ours.share)
				}
				sysCheckOptions(t, ours, sysSockoptPlan("linux", sysSharePort))
				sysJoin(t, ours, a1.ifi)

				sysSendFromPorts(t, network, "a", a0.ifi, sysSources)
				sysSendFromPorts(t, network, "b", b0.ifi, sysSources)
				got := sysWaitCount([]int{owner}, func(g []map[string]int) bool {
					return sysTagged(g[0], "a")+sysTagged(g[0], "b") == 2*sysSources
				})
				if a, b := sysTagged(got[0], "a"), sysTagged(got[0], "b"); a != sysSources || b != sysSources {
					t.Errorf("the owner received %d on a1 and %d on b1, want %d and %d: we took some", a, b, sysSources, sysSources)
				}
				wantSrc := a0.v4
				if v6 {
					wantSrc = a0.ll.WithZone(a1.ifi.Name)
				}
				for i := range sysSources {
					payload, info := sysRead(t, ours)
					want := PacketInfo{Dst: sysGroup(network).Addr(), IfIndex: a1.ifi.Index}
					if !strings.HasPrefix(payload, "a-") || info.Dst != want.Dst || info.IfIndex != want.IfIndex || info.Src.Addr() != wantSrc {
						t.Fatalf("datagram %d: %q %+v, want one from a0 with %+v", i, payload, info, want)
					}
				}
				sysNothingQueued(t, ours, ours.ReadFrom)
			})
		}
	})
}

// TestSysReusePortOwnerOtherUser: when the SO_REUSEPORT owner belongs to
// another user the kernel refuses to share (socket(7)), and ListenPacket
// fails saying why rather than returning a socket of its own.
func TestSysReusePortOwnerOtherUser(t *testing.T) {
	for _, tool := range []string{"setpriv", "/usr/bin/python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			testlan.SkipOrFail(t, "%s is needed to hold the port as another user: %v", tool, err)
		}
	}
	testlan.Loopback(t, func(t *testing.T) {
		// nobody binds :5353 with SO_REUSEPORT alone and waits on stdin.
		cmd := exec.Command("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/python3", "-c", `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(("0.0.0.0", 5353))
print("bound", flush=True)
sys.stdin.read()
`)
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { stdin.Close(); cmd.Process.Kill(); cmd.Wait() })
		if line, err := bufio.NewReader(stdout).ReadString('\n'); err != nil || line != "bound\n" {
			t.Fatalf("owner: %q, %v", line, err)
		}
		c, err := SystemNetwork().ListenPacket("udp4", Port)
		if err == nil {
			c.Close()
			t.Fatal("ListenPacket bound next to another user's SO_REUSEPORT socket")
		}
		if !errors.Is(err, unix.EADDRINUSE) || !strings.Contains(err.Error(), "SO_REUSEPORT") {
			t.Errorf("error %q: want EADDRINUSE, saying what holds the port", err)
		}
	})
}

// sysCheckOptions reads back from c every row of plan for its family.
func sysCheckOptions(t *testing.T, c *sysConn, plan []sysSockopt) {
	t.Helper()
	rc, err := c.uc.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range plan {
		if !o.Family.has(c.v6) {
			continue
		}
		level, opt, ok := sysOptionNumber(o.Name)
		if !ok {
			t.Errorf("%s: no option number", o.Name)
			continue
		}
		var got int
		var gerr error
		if err := rc.Control(func(fd uintptr) { got, gerr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil {
			t.Fatal(err)
		}
		if o.Optional && errors.Is(gerr, unix.ENOPROTOOPT) {
			continue // an older kernel; the row says what covers for it
		}
		if gerr != nil || got != o.Value {
			t.Errorf("%s: %s = %d, %v; want %d (%s)", sysNetworkName(c), o.Name, got, gerr, o.Value, o.Why)
		}
	}
}

func sysNetworkName(c *sysConn) string {
	if c.v6 {
		return "udp6"
	}
	return "udp4"
}
