package testlan

import (
	"errors"
	"fmt"
	"net"
	"os"
	"regexp"
	"slices"
)

// ErrNotIsolated is wrapped by every refusal of the safety checks.
var ErrNotIsolated = errors.New("testlan: SAFETY: not in a fresh namespace; refusing")

var nsLinkRE = regexp.MustCompile(`^(net|mnt|uts):\[[0-9]+\]$`)

// nsLink returns the namespace identity of pid ("self" or a number), e.g.
// "net:[4026531840]".
func nsLink(pid, ns string) (string, error) {
	l, err := os.Readlink("/proc/" + pid + "/ns/" + ns)
	if err != nil {
		return "", fmt.Errorf("testlan: %w", err)
	}
	return l, nil
}

// checkIsolation is the gate the inner process passes before it changes
// anything: the outer process's network namespace is known (and is indeed
// the parent's), the current one differs from it, the mount namespace
// differs from the parent's, and the only interface is lo.
func checkIsolation(outerNet, parentNet, curNet, parentMnt, curMnt string, links []string) error {
	switch {
	case !nsLinkRE.MatchString(outerNet):
		return fmt.Errorf("%w: outer network namespace unknown (%q)", ErrNotIsolated, outerNet)
	case parentNet != outerNet:
		return fmt.Errorf("%w: parent is in %s, expected the outer %s", ErrNotIsolated, parentNet, outerNet)
	case !nsLinkRE.MatchString(curNet) || curNet == outerNet:
		return fmt.Errorf("%w: network namespace %s is the outer one", ErrNotIsolated, curNet)
	case !nsLinkRE.MatchString(curMnt) || curMnt == parentMnt:
		return fmt.Errorf("%w: mount namespace %s is the parent's", ErrNotIsolated, curMnt)
	case !slices.Equal(links, []string{"lo"}):
		return fmt.Errorf("%w: fresh namespace has interfaces %v, want only lo", ErrNotIsolated, links)
	}
	return nil
}

// linkNames lists the interfaces of the current network namespace.
func linkNames() ([]string, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("testlan: %w", err)
	}
	names := make([]string, 0, len(ifs))
	for _, ifi := range ifs {
		names = append(names, ifi.Name)
	}
	slices.Sort(names)
	return names, nil
}

// verifyInner runs checkIsolation on the live system.
func verifyInner(outerNet string) ([]string, error) {
	ppid := fmt.Sprint(os.Getppid())
	var errs []error
	get := func(pid, ns string) string {
		l, err := nsLink(pid, ns)
		errs = append(errs, err)
		return l
	}
	parentNet, curNet := get(ppid, "net"), get("self", "net")
	parentMnt, curMnt := get(ppid, "mnt"), get("self", "mnt")
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotIsolated, err)
	}
	links, err := linkNames()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotIsolated, err)
	}
	return links, checkIsolation(outerNet, parentNet, curNet, parentMnt, curMnt, links)
}
