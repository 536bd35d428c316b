package mdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
)

// sysTTL is the IP TTL / hop limit of every packet sent (RFC 6762 §11:
// receivers may check it is 255 to reject off-link senders).
const sysTTL = 255

// sysReadBuffer is the receive buffer asked for (SO_RCVBUF).
const sysReadBuffer = 1 << 20

// ListenPacket opens a UDP socket bound to the wildcard address of network
// ("udp4" or "udp6") on port, with the options of sysSockoptPlan for this
// platform. On Linux, when another socket holds the port with
// SO_REUSEPORT alone, it tries once more joining that socket's reuseport
// group (sysSharePort).
func (n sysNetwork) ListenPacket(network string, port int) (PacketConn, error) {
	switch network {
	case "udp4", "udp6":
	default:
		return nil, fmt.Errorf("%w: %q", ErrUnsupportedNetwork, network)
	}
	if port < 0 || port > 0xffff {
		return nil, fmt.Errorf("mdns: listen %s port %d: port out of range", network, port)
	}
	c, err := n.listen(network, port, sysShareAddr)
	if err == nil {
		return c, nil
	}
	if !sysIsAddrInUse(err) || !sysHasSharePort(runtime.GOOS) {
		return nil, err // never a typed nil in the interface
	}
	c, err = n.listen(network, port, sysSharePort)
	if err != nil {
		return nil, fmt.Errorf("%w (a socket that set neither SO_REUSEADDR nor, for this user, SO_REUSEPORT holds the port)", err)
	}
	return c, nil
}

func (n sysNetwork) listen(network string, port int, share sysShare) (*sysConn, error) {
	v6 := network == "udp6"
	plan := sysSockoptPlan(runtime.GOOS, share)
	set := n.setsockopt
	if set == nil {
		set = sysSetsockoptInt
	}
	// The names are checked before any socket exists: platforms without
	// socket options may never call Control.
	if err := sysApplyOptions(plan, v6, sysOptionNumber, func(int, int, int) error { return nil }); err != nil {
		return nil, fmt.Errorf("mdns: listen %s port %d: %w", network, port, err)
	}
	lc := net.ListenConfig{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = sysApplyOptions(plan, v6, sysOptionNumber, func(level, opt, value int) error {
				return set(fd, level, opt, value)
			})
		})
		return errors.Join(err, serr)
	}}
	laddr := "0.0.0.0"
	if v6 {
		laddr = "::"
	}
	pc, err := lc.ListenPacket(context.Background(), network, net.JoinHostPort(laddr, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("mdns: listen %s port %d with %v: %w", network, port, share, err)
	}
	c := &sysConn{uc: pc.(*net.UDPConn), v6: v6, share: share}
	// Hundreds of datagrams may come at once (a host answering for
	// thousands of instances): the default buffer holds about ninety.
	// Linux caps the size at net.core.rmem_max; a smaller buffer is
	// only a smaller cushion.
	_ = c.uc.SetReadBuffer(sysReadBuffer)
	if err := c.configure(plan); err != nil {
		pc.Close()
		return nil, fmt.Errorf("mdns: listen %s port %d: %w", network, port, err)
	}
	return c, nil
}

// sysApplyOptions sets the rows of plan that apply before bind to one
// socket, through set, naming them with lookup. A required row the
// platform lacks or refuses is a *SocketOptionError; an optional one is
// skipped.
func sysApplyOptions(plan []sysSockopt, v6 bool, lookup func(string) (int, int, bool), set func(level, opt, value int) error) error {
	for _, o := range plan {
		if o.Via != sysViaSetsockopt || !o.Family.has(v6) {
			continue
		}
		level, opt, ok := lookup(o.Name)
		var err error
		if !ok {
			err = errors.ErrUnsupported
		} else {
			err = set(level, opt, o.Value)
		}
		if err != nil && !o.Optional {
			return sysOptionError(o.Name, err)
		}
	}
	return nil
}

func sysOptionError(name string, err error) error {
	return &SocketOptionError{Option: name, Platform: runtime.GOOS + "/" + runtime.GOARCH, Err: err}
}

// configure applies the rows x/net sets once the socket is bound.
func (c *sysConn) configure(plan []sysSockopt) error {
	if c.v6 {
		c.p6 = ipv6.NewPacketConn(c.uc)
	} else {
		c.p4 = ipv4.NewPacketConn(c.uc)
	}
	if sysReadsWSAMsg {
		c.win = &sysWinReader{r: c.uc, v6: c.v6, ptrSize: sysPtrSize, tooBig: sysIsMsgTooBig}
	}
	return sysApplyAfterBind(plan, c.v6, c.setXNet)
}

// sysApplyAfterBind runs set for each row of plan that x/net applies,
// with the same rule as sysApplyOptions for required and optional rows.
func sysApplyAfterBind(plan []sysSockopt, v6 bool, set func(sysSockopt) error) error {
	for _, o := range plan {
		if o.Via == sysViaSetsockopt || !o.Family.has(v6) {
			continue
		}
		if err := set(o); err != nil && !o.Optional {
			return sysOptionError(o.Name, err)
		}
	}
	return nil
}

func (c *sysConn) setXNet(o sysSockopt) error {
	if c.v6 {
		switch o.Via {
		case sysViaPacketInfo:
			return c.p6.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, o.Value != 0)
		case sysViaMulticastTTL:
			return c.p6.SetMulticastHopLimit(o.Value)
		case sysViaTTL:
			return c.p6.SetHopLimit(o.Value)
		case sysViaMulticastLoop:
			return c.p6.SetMulticastLoopback(o.Value != 0)
		}
	} else {
		switch o.Via {
		case sysViaPacketInfo:
			return c.p4.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, o.Value != 0)
		case sysViaMulticastTTL:
			return c.p4.SetMulticastTTL(o.Value)
		case sysViaTTL:
			return c.p4.SetTTL(o.Value)
		case sysViaMulticastLoop:
			return c.p4.SetMulticastLoopback(o.Value != 0)
		}
	}
	return fmt.Errorf("no x/net setter for %s", o.Name)
}
