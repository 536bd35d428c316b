package mdns

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
)

// JoinGroup joins 224.0.0.251 or ff02::fb on interface ifIndex; joining a
// group twice is not an error.
func (c *sysConn) JoinGroup(ifIndex int) error {
	ifi, err := sysInterface(ifIndex)
	if err == nil {
		if c.v6 {
			err = c.p6.JoinGroup(ifi, &net.UDPAddr{IP: groupIPv6.AsSlice()})
		} else {
			err = c.p4.JoinGroup(ifi, &net.UDPAddr{IP: groupIPv4.AsSlice()})
		}
	}
	if err != nil && !sysIsAddrInUse(err) {
		return fmt.Errorf("mdns: join %v on interface %d: %w", c.group(), ifIndex, err)
	}
	c.joinedMu.Lock()
	defer c.joinedMu.Unlock()
	if c.joined == nil {
		c.joined = make(map[int]bool)
	}
	c.joined[ifIndex] = true
	return nil
}

// LeaveGroup leaves the group on interface ifIndex; leaving a group that
// is not joined is not an error either, so withdrawing an interface is
// idempotent. On Linux it also works after the interface is gone, which
// frees the socket's membership slot.
func (c *sysConn) LeaveGroup(ifIndex int) error {
	ifi, err := sysInterface(ifIndex)
	if err == nil {
		if c.v6 {
			err = c.p6.LeaveGroup(ifi, &net.UDPAddr{IP: groupIPv6.AsSlice()})
		} else {
			err = c.p4.LeaveGroup(ifi, &net.UDPAddr{IP: groupIPv4.AsSlice()})
		}
	}
	if err != nil && !sysIsAddrNotAvail(err) {
		return fmt.Errorf("mdns: leave %v on interface %d: %w", c.group(), ifIndex, err)
	}
	c.joinedMu.Lock()
	defer c.joinedMu.Unlock()
	delete(c.joined, ifIndex)
	return nil
}

func (c *sysConn) group() netip.Addr {
	if c.v6 {
		return groupIPv6
	}
	return groupIPv4
}

// sysErrNoInterface reports an unusable interface index.
var sysErrNoInterface = errors.New("no such interface")
