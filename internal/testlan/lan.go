package testlan

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// runDir is the LAN's state directory (D-Bus sockets, avahi config). It is
// on the private tmpfs the inner process mounts on /run, short enough for
// unix socket paths.
const runDir = "/run/lan"

// LAN is a running virtual LAN; Run passes it to the test function.
type LAN struct {
	t        *testing.T
	opts     Options
	hosts    []*Host // hosts[i-1] is hI
	router   *Host   // with Options.SecondLink
	self     *Host
	bins     map[string]string
	logDir   string
	bridgeNS string // network namespace of br0 and of the test process
	outerNS  string // the test binary's own; never swept
	initial  []string
	state    *stateDir

	mu     sync.Mutex
	procs  []*Proc
	nsList []string
	logSeq map[string]int
}

// Host returns host i (1..Options.Hosts, or SelfIndex with Options.Self).
// A bad index is a bug in the test and panics.
func (l *LAN) Host(i int) *Host {
	if i == SelfIndex && l.self != nil {
		return l.self
	}
	if i < 1 || i > len(l.hosts) {
		panic(fmt.Sprintf("testlan: no host %d (LAN has h1..h%d)", i, len(l.hosts)))
	}
	return l.hosts[i-1]
}

// Router returns host RouterIndex, which joins br0 and br1; it panics
// unless Options.SecondLink was set.
func (l *LAN) Router() *Host {
	if l.router == nil {
		panic("testlan: LAN.Router needs Options.SecondLink")
	}
	return l.router
}

// Hosts returns h1..hN in order.
func (l *LAN) Hosts() []*Host { return slices.Clone(l.hosts) }

// all returns the hosts and, with Options.Self, the test process's host
// (and with Options.SecondLink the router).
func (l *LAN) all() []*Host {
	hs := slices.Clone(l.hosts)
	if l.router != nil {
		hs = append(hs, l.router)
	}
	if l.self != nil {
		hs = append(hs, l.self)
	}
	return hs
}

// nsHosts returns the hosts that have a network namespace of their own.
func (l *LAN) nsHosts() []*Host {
	hs := slices.Clone(l.hosts)
	if l.router != nil {
		hs = append(hs, l.router)
	}
	return hs
}

// Self returns the test process's own host (index SelfIndex on br0); it
// panics unless Options.Self was set.
func (l *LAN) Self() *Host {
	if l.self == nil {
		panic("testlan: LAN.Self needs Options.Self")
	}
	return l.self
}

// Bin returns the path of a binary built from Options.Binaries, by base
// name (e.g. "mdns-browse"). An unknown name is a bug in the test and panics.
func (l *LAN) Bin(name string) string {
	p, ok := l.bins[name]
	if !ok {
		names := make([]string, 0, len(l.bins))
		for n := range l.bins {
			names = append(names, n)
		}
		slices.Sort(names)
		panic(fmt.Sprintf("testlan: no binary %q built (Options.Binaries gave %v)", name, names))
	}
	return p
}

// LogDir is where process logs and captures of this LAN go.
func (l *LAN) LogDir() string { return l.logDir }

// InitialLinks are the interfaces the inner network namespace had before
// the LAN was built: the evidence of the safety check (always just "lo").
func (l *LAN) InitialLinks() []string { return slices.Clone(l.initial) }

// ip runs the ip command in the bridge namespace, after checking that this
// process is still in it.
func (l *LAN) ip(ctx context.Context, stdin string, args ...string) error {
	cur, err := nsLink("self", "net")
	if err != nil || cur != l.bridgeNS {
		return fmt.Errorf("%w: ip %v from namespace %q, LAN is %q", ErrNotIsolated, args, cur, l.bridgeNS)
	}
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.SysProcAttr = childAttr()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("testlan: ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// batch runs ip commands, one per line, in one process (optionally in host
// namespace ns).
func (l *LAN) batch(ctx context.Context, ns string, lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	args := []string{"-batch", "-"}
	if ns != "" {
		args = append([]string{"-n", ns}, args...)
	}
	return l.ip(ctx, strings.Join(lines, "\n")+"\n", args...)
}

// sysctlScript writes KEY=VALUE pairs (KEY relative to /proc/sys) and
// prints the network namespace it ran in.
const sysctlScript = `for kv in "$@"; do printf %s "${kv#*=}" >"/proc/sys/${kv%%=*}" || exit 1; done; readlink /proc/self/ns/net`

func ipv6Sysctls(enabled bool, ifaces ...string) []string {
	var kv []string
	for _, i := range ifaces {
		p := "net/ipv6/conf/" + i + "/"
		if !enabled {
			kv = append(kv, p+"disable_ipv6=1")
			continue
		}
		// No duplicate address detection (addresses usable at once), no
		// router solicitations (keeps captures clean).
		kv = append(kv, p+"accept_dad=0", p+"router_solicitations=0", p+"disable_ipv6=0")
	}
	return kv
}

func writeSysctls(kvs []string) error {
	for _, kv := range kvs {
		k, v, _ := strings.Cut(kv, "=")
		if err := os.WriteFile("/proc/sys/"+k, []byte(v), 0); err != nil {
			return fmt.Errorf("testlan: sysctl %s: %w", kv, err)
		}
	}
	return nil
}

func (l *LAN) addNS(ns string) error {
	l.mu.Lock()
	l.nsList = append(l.nsList, ns)
	l.mu.Unlock()
	return l.state.appendNS(ns)
}

// build creates the bridge and the hosts (the recipe of netlab's lan.sh).
func (l *LAN) build(ctx context.Context) error {
	v4, v6 := !l.opts.NoIPv4, !l.opts.NoIPv6
	// The bridge namespace takes no part in IP (unless Self): br0 only
	// forwards frames.
	if err := writeSysctls(ipv6Sysctls(false, "all", "default", "lo")); err != nil && v6 {
		return err
	}
	bridges := []string{
		"link set lo up",
		// Multicast snooping off: the bridge floods all multicast to every
		// port, so nothing depends on IGMP/MLD timing, and a capture on br0
		// sees everything.
		"link add br0 address " + hostMAC(SelfIndex) + " type bridge mcast_snooping 0 stp_state 0",
	}
	if l.router != nil {
		bridges = append(bridges, "link add br1 address "+linkMAC(1, SelfIndex)+" type bridge mcast_snooping 0 stp_state 0",
			"link set br1 up")
	}
	if err := l.batch(ctx, "", bridges); err != nil {
		return err
	}
	if l.opts.Self && v6 {
		if err := writeSysctls(ipv6Sysctls(true, "lo", "br0")); err != nil {
			return err
		}
	}
	cmds := []string{"link set br0 up"}
	for _, h := range l.nsHosts() {
		cmds = append(cmds, "netns add "+h.ns)
	}
	if err := l.batch(ctx, "", cmds); err != nil {
		return err
	}
	for _, h := range l.nsHosts() {
		args := append([]string{"netns", "exec", h.ns, "/bin/sh", "-c", sysctlScript, "sysctl"}, ipv6Sysctls(v6, "all", "default")...)
		out, err := l.output(ctx, args...)
		if err != nil {
			return err
		}
		if err := l.addNS(strings.TrimSpace(out)); err != nil {
			return err
		}
	}
	cmds = cmds[:0]
	for _, h := range l.hosts {
		port := bridgePort(h.Index)
		cmds = append(cmds,
			fmt.Sprintf("link add %s type veth peer name %s address %s netns %s", port, h.Iface, hostMAC(h.Index), h.ns),
			fmt.Sprintf("link set %s master %s up", port, bridgeName(h.link)))
	}
	if r := l.router; r != nil {
		for link, iface := range r.Interfaces() {
			cmds = append(cmds,
				fmt.Sprintf("link add %s type veth peer name %s address %s netns %s", routerPort(link), iface, linkMAC(link, RouterIndex), r.ns),
				fmt.Sprintf("link set %s master %s up", routerPort(link), bridgeName(link)))
		}
	}
	if err := l.batch(ctx, "", cmds); err != nil {
		return err
	}
	for _, h := range l.all() {
		cmds := []string{}
		if h.ns != "" {
			cmds = append(cmds, "link set lo up")
		}
		for _, a := range []netip.Addr{h.IPv4, h.IPv6} {
			if a.IsValid() {
				nodad := map[bool]string{true: "", false: " nodad"}[a.Is4()]
				cmds = append(cmds, fmt.Sprintf("addr add %s%s dev %s%s", a, prefixLen(a), h.Iface, nodad))
			}
		}
		if h.ns != "" {
			cmds = append(cmds, "link set "+h.Iface+" up")
		}
		if v4 {
			cmds = append(cmds, "route add 224.0.0.0/4 dev "+h.Iface)
		}
		if s := h.side; s != nil {
			for _, a := range []netip.Addr{s.ipv4, s.ipv6} {
				if a.IsValid() {
					nodad := map[bool]string{true: "", false: " nodad"}[a.Is4()]
					cmds = append(cmds, fmt.Sprintf("addr add %s%s dev %s%s", a, prefixLen(a), s.iface, nodad))
				}
			}
			cmds = append(cmds, "link set "+s.iface+" up")
		}
		if err := l.batch(ctx, h.ns, cmds); err != nil {
			return err
		}
	}
	if v6 {
		return l.waitNotTentative(ctx)
	}
	return nil
}

// output runs ip with args in the bridge namespace and returns its stdout.
func (l *LAN) output(ctx context.Context, args ...string) (string, error) {
	cur, err := nsLink("self", "net")
	if err != nil || cur != l.bridgeNS {
		return "", fmt.Errorf("%w: ip %v from namespace %q, LAN is %q", ErrNotIsolated, args, cur, l.bridgeNS)
	}
	cmd := exec.CommandContext(ctx, "ip", args...)
	cmd.SysProcAttr = childAttr()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("testlan: ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// waitNotTentative waits (max 5 s) until no IPv6 address is tentative on
// any host; with DAD off this is normally at once.
func (l *LAN) waitNotTentative(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	for {
		busy := ""
		for _, h := range l.all() {
			args := []string{"-6", "addr", "show", "tentative"}
			if h.ns != "" {
				args = append([]string{"-n", h.ns}, args...)
			}
			out, err := l.output(ctx, args...)
			if err != nil {
				return err
			}
			if strings.TrimSpace(out) != "" {
				busy = h.Name
				break
			}
		}
		if busy == "" {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("testlan: IPv6 addresses on %s still tentative: %w", busy, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// teardown stops every process (by pid), sweeps what is left in the LAN's
// namespaces and deletes them. It reports what it could not clean.
func (l *LAN) teardown() {
	l.mu.Lock()
	procs := slices.Clone(l.procs)
	ns := slices.Clone(l.nsList)
	l.mu.Unlock()
	for _, p := range slices.Backward(procs) {
		_ = p.Stop(sigTerm, p.grace)
	}
	if l.t.Failed() {
		for _, p := range procs {
			p.showTail(l.t)
		}
	}
	// The bridge namespace is this process's own: sweep skips it (pid ==
	// self) but catches anything a test started there directly.
	if n := sweep(sweepTargets(append(ns, l.bridgeNS), l.outerNS), 2*time.Second); n > 0 {
		l.t.Logf("testlan: swept %d process(es) left in the LAN's namespaces", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cmds []string
	for _, h := range l.nsHosts() {
		cmds = append(cmds, "netns delete "+h.ns)
	}
	cmds = append(cmds, "link delete br0")
	if l.router != nil {
		cmds = append(cmds, "link delete br1")
	}
	if err := l.batch(ctx, "", cmds); err != nil {
		l.t.Errorf("testlan: teardown: %v", err)
	}
}

// newLogPath returns a fresh log file path for a process called base on
// host.
func (l *LAN) newLogPath(host, base string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	key := host + "-" + safeName(filepath.Base(base))
	l.logSeq[key]++
	if n := l.logSeq[key]; n > 1 {
		key = fmt.Sprintf("%s.%d", key, n)
	}
	return filepath.Join(l.logDir, key+".log")
}

func (l *LAN) addProc(p *Proc) {
	l.mu.Lock()
	l.procs = append(l.procs, p)
	l.mu.Unlock()
}

// safeName keeps a string usable as a file name.
func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		}
		return '_'
	}, s)
}
