//go:build linux

package testlan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Environment of an inner process. envPrefix is stripped from everything
// the inner process starts.
const (
	envPrefix   = "MDNS_TESTLAN_"
	envInner    = envPrefix + "INNER"       // t.Name() the inner process serves
	envSeq      = envPrefix + "SEQ"         // which Run/Loopback call of that test
	envOuterNet = envPrefix + "OUTER_NETNS" // the outer's /proc/self/ns/net
	envState    = envPrefix + "STATE"       // the outer's state directory
	envBin      = envPrefix + "BIN"         // directory of built binaries
	// EnvOut names a directory where logs and captures are kept (under the
	// test's name) instead of a temporary directory.
	EnvOut = "MDNS_LAN_OUT"
)

func init() {
	if p := os.Getenv(envState); p != "" && os.Getenv(envInner) != "" {
		inner = &stateDir{path: p}
	}
}

// InNamespace reports whether this process is an inner process of Run or
// Loopback (code outside fn runs in both the outer and the inner process).
func InNamespace() bool { return inner != nil }

// Run builds a LAN as described by opts in a fresh set of namespaces and
// calls fn there; see the package documentation for how. It skips (or
// fails, with MDNS_REQUIRE_LAN=1) where that is impossible.
func Run(t *testing.T, opts Options, fn func(t *testing.T, lan *LAN)) {
	t.Helper()
	if err := opts.validate(); err != nil {
		t.Fatal(err)
	}
	seq, ok := claim(t)
	if !ok {
		return
	}
	if inner == nil {
		runOuter(t, seq, kindLAN, opts)
		return
	}
	runInnerLAN(t, opts, fn)
}

// Loopback runs fn in a fresh network namespace where only lo exists, up,
// with multicast on and routes 224.0.0.0/4 (source 127.0.0.1) and ff00::/8
// via lo: for in-process socket tests. IPv4 multicast sent there comes back
// to every member socket; IPv6 multicast sent on lo is not delivered to
// UDP sockets by Linux (checked on 6.18), so tests needing IPv6 multicast
// in-process use Run with Options{Hosts: 1, Self: true} instead.
func Loopback(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	seq, ok := claim(t)
	if !ok {
		return
	}
	if inner == nil {
		runOuter(t, seq, kindLoopback, Options{})
		return
	}
	runInnerLoopback(t, fn)
}

var (
	callsMu sync.Mutex
	calls   = map[*testing.T]int{}
	active  bool // an inner process runs at most one LAN
)

// claim numbers the Run/Loopback calls of t. In the outer process every
// call proceeds; in the inner one only the call the outer asked for does.
func claim(t *testing.T) (seq int, ok bool) {
	t.Helper()
	callsMu.Lock()
	calls[t]++
	seq = calls[t]
	callsMu.Unlock()
	if seq == 1 {
		t.Cleanup(func() { callsMu.Lock(); delete(calls, t); callsMu.Unlock() })
	}
	if inner == nil {
		return seq, true
	}
	if want := os.Getenv(envInner); want != t.Name() {
		t.Fatalf("testlan: Run/Loopback called from %s inside the namespace made for %s: calls cannot be nested; call them from leaf tests", t.Name(), want)
	}
	if os.Getenv(envSeq) != strconv.Itoa(seq) {
		return seq, false // another call of the same test has its own inner process
	}
	callsMu.Lock()
	defer callsMu.Unlock()
	if active {
		t.Fatal("testlan: a second LAN in one inner process")
	}
	active = true
	return seq, true
}

// runOuter builds the binaries, re-executes this test in fresh namespaces
// and reports the result. It makes no network change of its own.
func runOuter(t *testing.T, seq int, k kind, opts Options) {
	t.Helper()
	if reason := prereqs(k, runtime.GOOS, os.Geteuid(), exec.LookPath); reason != "" {
		SkipOrFail(t, "%s", reason)
	}
	outerNet, err := nsLink("self", "net")
	if err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("testlan: cannot re-execute the test binary: %v", err)
	}
	ctx := context.Background()
	args := []string{"-test.run=" + runPattern(t.Name()), "-test.v=true", "-test.count=1"}
	if testing.Short() {
		args = append(args, "-test.short")
	}
	if dl, ok := t.Deadline(); ok {
		left := time.Until(dl)
		margin := min(10*time.Second, left/5)
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-margin/2))
		defer cancel()
		args = append(args, fmt.Sprintf("-test.timeout=%v", max(left-margin, time.Second)))
	}
	state := &stateDir{path: t.TempDir()}
	bins := ""
	if len(opts.Binaries) > 0 {
		bins = t.TempDir()
		start := time.Now()
		if err := buildAll(ctx, bins, opts.Binaries); err != nil {
			t.Fatal(err)
		}
		t.Logf("testlan: built %v in %v", opts.Binaries, time.Since(start).Round(time.Millisecond))
	}

	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(childEnv(os.Environ()),
		envInner+"="+t.Name(),
		envSeq+"="+strconv.Itoa(seq),
		envOuterNet+"="+outerNet,
		envState+"="+state.path,
		envBin+"="+bins)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		// Go also makes every mount private after CLONE_NEWNS.
		Unshareflags: syscall.CLONE_NEWNET | syscall.CLONE_NEWNS | syscall.CLONE_NEWUTS,
		Pdeathsig:    syscall.SIGKILL,
	}
	out := &innerWriter{w: t.Output()}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	exitedAt := uptime()
	out.flush()

	if _, done := state.read(stateTornDown); !done {
		// The inner process died before its teardown: kill what it left.
		targets := sweepTargets(state.namespaces(), outerNet)
		if n := sweepBornBefore(targets, exitedAt, 2*time.Second); n > 0 {
			t.Logf("testlan: swept %d process(es) the inner process left behind", n)
		}
	}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			SkipOrFail(t, "testlan: cannot create namespaces here: %v", err)
		}
		t.Fatalf("testlan: running the test in fresh namespaces: %v", err)
	}
	result, ran := state.read(stateResult)
	switch {
	case ctx.Err() != nil:
		t.Fatalf("testlan: inner test process killed at the test deadline: %v", err)
	case result == "skip" && err == nil:
		if reason, ok := state.read(stateSkip); ok {
			SkipOrFail(t, "%s", reason) // the harness's own skip, repeated here
		}
		t.Skip("testlan: the test skipped itself inside its namespace (see log)")
	case err != nil || result == "fail":
		t.Fatalf("testlan: test failed inside its namespace (%v)", err)
	case !ran || result != "pass":
		t.Fatalf("testlan: the inner process did not run this test (-test.run=%s)", runPattern(t.Name()))
	}
}

// recordResult tells the outer process how the test ended.
func recordResult(t *testing.T) {
	t.Cleanup(func() {
		switch {
		case t.Skipped():
			inner.write(stateResult, "skip")
		case t.Failed():
			inner.write(stateResult, "fail")
		default:
			inner.write(stateResult, "pass")
		}
	})
}

// enterInner is the gate of every inner process: nothing is changed
// before the isolation checks pass.
func enterInner(t *testing.T) (links []string) {
	t.Helper()
	recordResult(t)
	t.Cleanup(func() { inner.write(stateTornDown, "") }) // runs after all teardown
	links, err := verifyInner(os.Getenv(envOuterNet))
	if err != nil {
		t.Fatal(err)
	}
	self, err := nsLink("self", "net")
	if err != nil {
		t.Fatal(err)
	}
	if err := inner.appendNS(self); err != nil {
		t.Fatal(err)
	}
	return links
}

func runInnerLoopback(t *testing.T, fn func(t *testing.T)) {
	enterInner(t)
	self, err := nsLink("self", "net")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n := sweep(sweepTargets([]string{self}, os.Getenv(envOuterNet)), 2*time.Second); n > 0 {
			t.Logf("testlan: swept %d process(es) left in the namespace", n)
		}
	})
	for _, args := range [][]string{
		{"link", "set", "lo", "multicast", "on"},
		{"link", "set", "lo", "up"},
		// src: without it the kernel picks no source (127.0.0.1 is host
		// scope) and the datagrams leave from 0.0.0.0.
		{"route", "add", "224.0.0.0/4", "dev", "lo", "src", "127.0.0.1"},
		{"-6", "route", "add", "ff00::/8", "dev", "lo", "table", "local"},
	} {
		cmd := exec.Command("ip", args...)
		cmd.SysProcAttr = childAttr()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("testlan: ip %s: %v: %s", strings.Join(args, " "), err, out)
		}
	}
	fn(t)
}

func runInnerLAN(t *testing.T, opts Options, fn func(t *testing.T, lan *LAN)) {
	links := enterInner(t)
	bridgeNS, err := nsLink("self", "net")
	if err != nil {
		t.Fatal(err)
	}
	// A private /run: `ip netns` names, avahi pid files and D-Bus sockets of
	// parallel LANs cannot clash, and nothing is left in the real /run.
	if err := syscall.Mount("", "/", "", syscall.MS_REC|syscall.MS_PRIVATE, ""); err != nil {
		t.Fatalf("testlan: make mounts private: %v", err)
	}
	if err := syscall.Mount("testlan", "/run", "tmpfs", syscall.MS_NOSUID|syscall.MS_NODEV, "mode=755"); err != nil {
		t.Fatalf("testlan: mount tmpfs on /run: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount("/run", syscall.MNT_DETACH); err != nil {
			t.Errorf("testlan: unmount /run: %v", err)
		}
	})
	for _, d := range []string{"/run/netns", runDir, "/run/avahi-daemon", "/run/dbus"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	l := &LAN{
		t: t, opts: opts, bridgeNS: bridgeNS, outerNS: os.Getenv(envOuterNet), initial: links, state: inner,
		bins: map[string]string{}, logSeq: map[string]int{}, nsList: []string{bridgeNS},
	}
	l.logDir = logDir(t)
	if dir := os.Getenv(envBin); dir != "" {
		ents, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ents {
			l.bins[e.Name()] = filepath.Join(dir, e.Name())
		}
	}
	for i := 1; i <= opts.Hosts; i++ {
		link := 0
		if slices.Contains(opts.SecondLink, i) {
			link = 1
		}
		l.hosts = append(l.hosts, newHost(l, i, hostIface(i), hostName(i), link))
	}
	if len(opts.SecondLink) > 0 {
		l.router = newRouter(l)
	}
	if opts.Self {
		l.self = newHost(l, SelfIndex, "br0", "", 0)
	}
	t.Cleanup(l.teardown)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	start := time.Now()
	if err := l.build(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("testlan: LAN of %d host(s) ready in %v (self=%v ipv4=%v ipv6=%v ula=%v), logs in %s",
		opts.Hosts, time.Since(start).Round(time.Millisecond), opts.Self, !opts.NoIPv4, !opts.NoIPv6, !opts.NoIPv6 && !opts.NoULA, l.logDir)
	fn(t, l)
}

// logDir is $MDNS_LAN_OUT/<test name> if set, else a temporary directory.
func logDir(t *testing.T) string {
	base := os.Getenv(EnvOut)
	if base == "" {
		return t.TempDir()
	}
	dir := filepath.Join(base, safeName(strings.ReplaceAll(t.Name(), "/", "__")))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
