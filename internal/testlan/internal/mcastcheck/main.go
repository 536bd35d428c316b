//go:build linux

// Command mcastcheck proves multicast on a testlan LAN: "send" sends one
// datagram to the mDNS group (224.0.0.251 or ff02::fb, port 5353, TTL /
// hop limit 255) from port 5353 out of one interface; "recv" joins the
// group on one interface and prints every datagram with its source, the
// interface it arrived on and its TTL. It only makes sense inside a testlan
// network namespace.
//
//	mcastcheck recv -family 4 -iface e2 [-count 1] [-timeout 5s]
//	mcastcheck send -family 4 -iface e1 -data hello
package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: mcastcheck recv|send [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	family := fs.Int("family", 4, "4 or 6")
	iface := fs.String("iface", "", "interface")
	count := fs.Int("count", 1, "recv: datagrams to wait for")
	timeout := fs.Duration("timeout", 5*time.Second, "recv: give up after")
	data := fs.String("data", "mcastcheck", "send: payload")
	_ = fs.Parse(os.Args[2:])
	ifi, err := net.InterfaceByName(*iface)
	if err == nil && *family != 4 && *family != 6 {
		err = fmt.Errorf("bad -family %d", *family)
	}
	if err == nil {
		switch os.Args[1] {
		case "recv":
			err = recv(ifi, *family, *count, *timeout)
		case "send":
			err = send(ifi, *family, *data)
		default:
			err = fmt.Errorf("unknown mode %q", os.Args[1])
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mcastcheck:", err)
		os.Exit(1)
	}
}

func group(family int) *net.UDPAddr {
	if family == 4 {
		return &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}
	}
	return &net.UDPAddr{IP: net.ParseIP("ff02::fb"), Port: 5353}
}

// setopts sets integer socket options on c.
func setopts(c syscall.Conn, opts ...[3]int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		for _, o := range opts {
			if serr = syscall.SetsockoptInt(int(fd), o[0], o[1], o[2]); serr != nil {
				serr = fmt.Errorf("setsockopt(%d, %d): %w", o[0], o[1], serr)
				return
			}
		}
	})
	return errors.Join(err, serr)
}

func recv(ifi *net.Interface, family, count int, timeout time.Duration) error {
	network := fmt.Sprintf("udp%d", family)
	c, err := net.ListenMulticastUDP(network, ifi, group(family))
	if err != nil {
		return err
	}
	defer c.Close()
	if family == 4 {
		err = setopts(c, [3]int{syscall.IPPROTO_IP, syscall.IP_PKTINFO, 1}, [3]int{syscall.IPPROTO_IP, syscall.IP_RECVTTL, 1})
	} else {
		err = setopts(c, [3]int{syscall.IPPROTO_IPV6, syscall.IPV6_RECVPKTINFO, 1}, [3]int{syscall.IPPROTO_IPV6, syscall.IPV6_RECVHOPLIMIT, 1})
	}
	if err != nil {
		return err
	}
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	fmt.Printf("listening family=%d iface=%s group=%s\n", family, ifi.Name, group(family))
	buf, oob := make([]byte, 9000), make([]byte, 512)
	for i := 0; i < count; i++ {
		n, oobn, _, src, err := c.ReadMsgUDP(buf, oob)
		if err != nil {
			return err
		}
		idx, dst, ttl := parseControl(oob[:oobn])
		in := "?"
		if ifc, err := net.InterfaceByIndex(idx); err == nil {
			in = ifc.Name
		}
		fmt.Printf("recv family=%d iface=%s src=%s dst=%s ttl=%d data=%q\n", family, in, src, dst, ttl, buf[:n])
	}
	return nil
}

// parseControl extracts the receiving interface, the destination address
// and the TTL / hop limit from IP_PKTINFO/IP_TTL or their IPv6 twins.
func parseControl(oob []byte) (ifIndex int, dst net.IP, ttl int) {
	msgs, err := syscall.ParseSocketControlMessage(oob)
	if err != nil {
		return 0, nil, -1
	}
	ttl = -1
	for _, m := range msgs {
		d := m.Data
		switch {
		case m.Header.Level == syscall.IPPROTO_IP && m.Header.Type == syscall.IP_PKTINFO && len(d) >= 12:
			// struct in_pktinfo { int ifindex; in_addr spec_dst; in_addr addr; }
			ifIndex = int(binary.NativeEndian.Uint32(d[0:4]))
			dst = net.IP(d[8:12])
		case m.Header.Level == syscall.IPPROTO_IP && m.Header.Type == syscall.IP_TTL && len(d) >= 4:
			ttl = int(binary.NativeEndian.Uint32(d[0:4]))
		case m.Header.Level == syscall.IPPROTO_IPV6 && m.Header.Type == syscall.IPV6_PKTINFO && len(d) >= 20:
			// struct in6_pktinfo { in6_addr addr; unsigned int ifindex; }
			dst = net.IP(d[0:16])
			ifIndex = int(binary.NativeEndian.Uint32(d[16:20]))
		case m.Header.Level == syscall.IPPROTO_IPV6 && m.Header.Type == syscall.IPV6_HOPLIMIT && len(d) >= 4:
			ttl = int(binary.NativeEndian.Uint32(d[0:4]))
		}
	}
	return ifIndex, dst, ttl
}

func send(ifi *net.Interface, family int, data string) error {
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
		})
		return errors.Join(err, serr)
	}}
	network := fmt.Sprintf("udp%d", family)
	pc, err := lc.ListenPacket(context.Background(), network, ":5353")
	if err != nil {
		return err
	}
	c := pc.(*net.UDPConn)
	defer c.Close()
	dst := group(family)
	if family == 4 {
		err = setopts(c, [3]int{syscall.IPPROTO_IP, syscall.IP_MULTICAST_TTL, 255})
		if err == nil {
			rc, _ := c.SyscallConn()
			var serr error
			err = rc.Control(func(fd uintptr) {
				serr = syscall.SetsockoptIPMreqn(int(fd), syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, &syscall.IPMreqn{Ifindex: int32(ifi.Index)})
			})
			err = errors.Join(err, serr)
		}
	} else {
		err = setopts(c, [3]int{syscall.IPPROTO_IPV6, syscall.IPV6_MULTICAST_HOPS, 255}, [3]int{syscall.IPPROTO_IPV6, syscall.IPV6_MULTICAST_IF, ifi.Index})
		dst.Zone = ifi.Name
	}
	if err != nil {
		return err
	}
	if _, err := c.WriteToUDP([]byte(data), dst); err != nil {
		return err
	}
	fmt.Printf("sent family=%d iface=%s dst=%s data=%q\n", family, ifi.Name, dst, data)
	return nil
}
