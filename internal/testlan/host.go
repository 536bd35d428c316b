package testlan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Host is one machine on the LAN.
type Host struct {
	Index int    // I of hI (SelfIndex for the test process)
	Name  string // "hI", also its host name
	Iface string // "eI" ("br0" for Self)
	// Addresses on Iface; the zero Addr when absent. LinkLocal has no zone:
	// the zone is the interface of whoever talks to it.
	IPv4, IPv6, LinkLocal netip.Addr

	lan  *LAN
	ns   string // ip netns name; "" for Self (the bridge namespace)
	link int    // 0: br0, 1: br1 (Options.SecondLink)
	// side holds the router's interface on br1 (Options.SecondLink).
	side    *routerSide
	avahiMu sync.Mutex
	avahi   *Proc // the avahi-daemon, once started
	dbus    *Proc // its dbus-daemon
}

// ErrTimeout is wrapped when a command or wait runs out of time.
var ErrTimeout = errors.New("testlan: timeout")

var sigTerm os.Signal = syscall.SIGTERM

func newHost(l *LAN, i int, iface, ns string, link int) *Host {
	h := &Host{Index: i, Name: hostName(i), Iface: iface, lan: l, ns: ns, link: link}
	if !l.opts.NoIPv4 {
		h.IPv4 = linkIPv4(link, i)
	}
	if !l.opts.NoIPv6 {
		h.LinkLocal = hostLLA(i)
		if !l.opts.NoULA {
			h.IPv6 = linkULA(link, i)
		}
	}
	return h
}

// routerSide is the router's second interface, on br1.
type routerSide struct {
	iface                 string
	ipv4, ipv6, linkLocal netip.Addr
}

// newRouter returns host RouterIndex, on br0 as a host is and on br1 with
// a second interface.
func newRouter(l *LAN) *Host {
	h := newHost(l, RouterIndex, routerIface(0), hostName(RouterIndex), 0)
	h.side = &routerSide{iface: routerIface(1)}
	if !l.opts.NoIPv4 {
		h.side.ipv4 = linkIPv4(1, RouterIndex)
	}
	if !l.opts.NoIPv6 {
		h.side.linkLocal = linkLLA(1, RouterIndex)
		if !l.opts.NoULA {
			h.side.ipv6 = linkULA(1, RouterIndex)
		}
	}
	return h
}

// Interfaces returns the host's LAN interfaces: Iface, and for the router
// its interface on br1 too.
func (h *Host) Interfaces() []string {
	if h.side != nil {
		return []string{h.Iface, h.side.iface}
	}
	return []string{h.Iface}
}

// stateDir holds the host's D-Bus socket, avahi config and services.
func (h *Host) stateDir() string { return filepath.Join(runDir, h.Name) }

// AvahiEnv is the environment avahi-browse, avahi-publish and other D-Bus
// clients need to reach the avahi-daemon of this host. Command adds it to
// every process on the host.
func (h *Host) AvahiEnv() []string {
	return []string{"DBUS_SYSTEM_BUS_ADDRESS=unix:path=" + filepath.Join(h.stateDir(), "dbus.sock")}
}

// hostnameScript gives the process its host name (in the UTS namespace
// unshare just made) and becomes the command.
const hostnameScript = `printf %s "$LAN_HOST" >/proc/sys/kernel/hostname && exec "$@"`

// Command returns a command that runs on this host: in its network
// namespace, in a private UTS namespace with host name hI, and with
// LAN_HOST, LAN_HOST_INDEX, LAN_IF and the host's avahi D-Bus address in
// its environment. Every layer execs, so the pid is the command's own.
func (h *Host) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	var argv []string
	if h.ns != "" {
		// ip netns exec also gives the command a private mount namespace.
		argv = []string{"ip", "netns", "exec", h.ns, "unshare", "--uts", "--"}
	} else {
		argv = []string{"unshare", "--uts", "--mount", "--propagation", "private", "--"}
	}
	argv = append(argv, "/bin/sh", "-c", hostnameScript, "lan-on", name)
	argv = append(argv, args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(childEnv(os.Environ()),
		"LAN_HOST="+h.Name,
		"LAN_HOST_INDEX="+strconv.Itoa(h.Index),
		"LAN_IF="+h.Iface)
	cmd.Env = append(cmd.Env, h.AvahiEnv()...)
	cmd.SysProcAttr = childAttr()
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// childEnv drops the harness's own markers, so a Go test binary run on a
// host does not mistake itself for an inner process.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, envPrefix) {
			out = append(out, kv)
		}
	}
	return out
}

// Run runs a command on the host in the foreground and returns its
// stdout; on failure the error carries stderr. It is killed after timeout.
func (h *Host) Run(t *testing.T, timeout time.Duration, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := h.Command(ctx, name, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t.Logf("%s$ %s", h.Name, shellQuote(name, args))
	err := cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("%w after %v: %w", ErrTimeout, timeout, err)
	}
	if err != nil {
		return stdout.String(), fmt.Errorf("testlan: %s: %s: %w\nstderr:\n%s", h.Name, shellQuote(name, args), err, tail(stderr.String(), 40))
	}
	return stdout.String(), nil
}

// Start runs a command on the host in the background, stdout and stderr
// into a log file. It is stopped by pid when t ends (SIGTERM, SIGKILL after
// a grace period) and its log tail is shown if t failed.
func (h *Host) Start(t *testing.T, name string, args ...string) *Proc {
	t.Helper()
	return h.start(t, 3*time.Second, filepath.Base(name), name, args...)
}

// start is Start with a grace period for SIGTERM and a name for the log.
func (h *Host) start(t *testing.T, grace time.Duration, logName, name string, args ...string) *Proc {
	t.Helper()
	cmd := h.Command(context.Background(), name, args...)
	p, err := h.lan.startProc(t, h.Name, logName, cmd, grace)
	if err != nil {
		t.Fatalf("testlan: %s: start %s: %v", h.Name, shellQuote(name, args), err)
	}
	t.Logf("%s$ %s &  # pid %d, log %s", h.Name, shellQuote(name, args), p.Pid(), p.logPath)
	return p
}

// shellQuote renders a command line for logs.
func shellQuote(name string, args []string) string {
	parts := make([]string, 0, 1+len(args))
	for _, a := range append([]string{name}, args...) {
		if a != "" && strings.IndexFunc(a, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			parts = append(parts, a)
			continue
		}
		parts = append(parts, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(parts, " ")
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d earlier lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}
