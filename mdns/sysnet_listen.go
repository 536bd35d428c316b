package mdns

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// sysTTL is the IP TTL / hop limit of every packet sent (RFC 6762 §11:
// receivers may check it is 255 to reject off-link senders).
const sysTTL = 255

// ListenPacket opens a UDP socket bound to the wildcard address of network
// ("udp4" or "udp6") on port, sharing the port with other mDNS software on
// the host (SO_REUSEADDR; SO_REUSEPORT too except on Linux, where it
// misdelivers multicast, see sysSetReusePort).
func (sysNetwork) ListenPacket(network string, port int) (PacketConn, error) {
	var laddr string
	switch network {
	case "udp4":
		laddr = "0.0.0.0"
	case "udp6":
		laddr = "::"
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedNetwork, network)
	}
	if port < 0 || port > 0xffff {
		return nil, fmt.Errorf("mdns: listen %s: port %d out of range", network, port)
	}
	v6 := network == "udp6"
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		if err := rc.Control(func(fd uintptr) { serr = sysSetSockopts(fd, v6) }); err != nil {
			return err
		}
		return serr
	}}
	pc, err := lc.ListenPacket(context.Background(), network, net.JoinHostPort(laddr, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("mdns: listen %s port %d: %w", network, port, err)
	}
	c := &sysConn{uc: pc.(*net.UDPConn), v6: v6}
	if err := c.configure(); err != nil {
		pc.Close()
		return nil, fmt.Errorf("mdns: listen %s port %d: %w", network, port, err)
	}
	return c, nil
}

func (c *sysConn) configure() error {
	if c.v6 {
		c.p6 = ipv6.NewPacketConn(c.uc)
		if err := c.p6.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true); err != nil && sysControlMessagesRequired {
			return fmt.Errorf("packet info: %w", err)
		}
		if err := c.p6.SetMulticastHopLimit(sysTTL); err != nil {
			return fmt.Errorf("multicast hop limit: %w", err)
		}
		if err := c.p6.SetHopLimit(sysTTL); err != nil {
			return fmt.Errorf("hop limit: %w", err)
		}
		if err := c.p6.SetMulticastLoopback(true); err != nil {
			return fmt.Errorf("multicast loopback: %w", err)
		}
		return nil
	}
	c.p4 = ipv4.NewPacketConn(c.uc)
	if err := c.p4.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true); err != nil && sysControlMessagesRequired {
		return fmt.Errorf("packet info: %w", err)
	}
	if err := c.p4.SetMulticastTTL(sysTTL); err != nil {
		return fmt.Errorf("multicast ttl: %w", err)
	}
	if err := c.p4.SetTTL(sysTTL); err != nil {
		return fmt.Errorf("ttl: %w", err)
	}
	if err := c.p4.SetMulticastLoopback(true); err != nil {
		return fmt.Errorf("multicast loopback: %w", err)
	}
	return nil
}
