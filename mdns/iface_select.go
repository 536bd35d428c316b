package mdns

import (
	"errors"
	"fmt"
	"net/netip"
	"path"
	"syscall"
)

// Interfaces are chosen by name patterns (Config.Interfaces,
// Config.ExcludeInterfaces): people have interfaces named by their kind
// and an index ("en0", "wlp2s0", "docker0", "br-1f2e3d", "veth12ab"), and
// want "the wired ones" or "all but the containers'" rather than a list to
// keep up to date.

// ValidateInterfacePattern checks an interface pattern of
// Config.Interfaces or Config.ExcludeInterfaces: a name, or a shell
// pattern as path.Match reads it ("en*", "wlan[0-9]").
func ValidateInterfacePattern(pattern string) error {
	if pattern == "" {
		return fmt.Errorf("%w: interface pattern %q is empty", ErrInvalidName, pattern)
	}
	if _, err := path.Match(pattern, ""); err != nil {
		return fmt.Errorf("%w: interface pattern %q: %v", ErrInvalidName, pattern, err)
	}
	return nil
}

func checkPatterns(lists ...[]string) error {
	for _, l := range lists {
		for _, p := range l {
			if err := ValidateInterfacePattern(p); err != nil {
				return err
			}
		}
	}
	return nil
}

// matchAny reports whether name matches one of patterns (checked by
// Listen, so Match cannot fail here).
func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, name); ok {
			return true
		}
	}
	return false
}

func (c *Conn) excluded(name string) bool { return matchAny(c.cfg.ExcludeInterfaces, name) }

// noInterfaceError says why Listen found nothing to serve.
func (c *Conn) noInterfaceError() error {
	var but string
	if len(c.cfg.ExcludeInterfaces) > 0 {
		but = fmt.Sprintf(" and not excluded by %v", c.cfg.ExcludeInterfaces)
	}
	if len(c.cfg.Interfaces) > 0 {
		return fmt.Errorf("%w: no interface matching %v is up and multicast-capable with an address%s", ErrNoInterface, c.cfg.Interfaces, but)
	}
	if but != "" {
		return fmt.Errorf("%w: no interface, loopback included, is up, multicast-capable and addressed%s", ErrNoInterface, but)
	}
	return fmt.Errorf("%w: no interface is up, multicast-capable and addressed, and the loopback interface is down too", ErrNoInterface)
}

// A JoinError reports that the mDNS group of one family could not be
// joined on an interface: nothing sent to the group arrives there. The
// Conn serves the interface over the other family if it joined that one,
// and tries again whenever the interfaces change.
//
// The usual cause is a limit of the system: Linux lets one socket join
// at most net.ipv4.igmp_max_memberships IPv4 groups (20 by default), one
// per interface here, and a host with many bridges (containers, virtual
// machines) has more; the error then wraps syscall.ENOBUFS. Raise the
// limit, or leave interfaces out with Config.ExcludeInterfaces.
type JoinError struct {
	Interface string     // the interface's name
	Group     netip.Addr // 224.0.0.251 or ff02::fb
	Err       error      // the system's error
}

func (e *JoinError) Error() string {
	cause := e.Err
	var errno syscall.Errno
	if errors.As(e.Err, &errno) {
		cause = errno // the rest repeats what this message says
	}
	return fmt.Sprintf("mdns: cannot join the mDNS group %v on %s: %v", e.Group, e.Interface, cause)
}

func (e *JoinError) Unwrap() error { return e.Err }

// joinFailed reports a failed join through Config.Warn (Logf without
// it), once per interface and family until a join there succeeds.
func (c *Conn) joinFailed(ifi *ifaceState, v6 bool, err error) {
	c.stats.joinFailures.Add(1)
	k := famKey{ifIndex: ifi.Index, v6: v6}
	if c.joinWarned[k] {
		return
	}
	if c.joinWarned == nil {
		c.joinWarned = make(map[famKey]bool)
	}
	c.joinWarned[k] = true
	je := &JoinError{Interface: ifi.Name, Group: groupIPv4, Err: err}
	if v6 {
		je.Group = groupIPv6
	}
	if c.cfg.Warn != nil {
		c.cfg.Warn(je)
		return
	}
	c.logf("%v", je)
}

// joined notes a successful join: a later failure there is news again.
func (c *Conn) joined(ifi *ifaceState, v6 bool) {
	delete(c.joinWarned, famKey{ifIndex: ifi.Index, v6: v6})
}
