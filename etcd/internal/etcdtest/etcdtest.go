// Package etcdtest runs a real etcd (Debian's etcd-server, the etcd binary
// on PATH) for the tests of the etcd module and its interop module.
//
// Every server listens on 127.0.0.1 only — client and peer URLs both, on
// free ports — with a temporary data directory, and is stopped by its
// pid when the test ends (it also dies with the test process, through
// the parent-death signal). Without an etcd binary the tests skip, or
// fail when MDNSKIT_REQUIRE_ETCD=1 (CI sets it).
package etcdtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
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

// EnvRequire makes a missing etcd a test failure instead of a skip.
const EnvRequire = "MDNSKIT_REQUIRE_ETCD"

// startTimeout bounds how long etcd may take to answer /health.
const startTimeout = 20 * time.Second

// Binary returns the path of the etcd binary, or skips t (fails it under
// MDNSKIT_REQUIRE_ETCD=1) when there is none.
func Binary(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("etcd")
	if err == nil {
		return p
	}
	if os.Getenv(EnvRequire) == "1" {
		t.Fatalf("etcdtest: no etcd binary on PATH (%v), and %s=1 requires the etcd tests to run; install etcd-server", err, EnvRequire)
	}
	t.Skipf("etcdtest: no etcd binary on PATH (%v); install Debian's etcd-server to run this test", err)
	return ""
}

// Args are the flags of a one-member etcd named name with data in dir,
// serving clients on 127.0.0.1:clientPort and peers on
// 127.0.0.1:peerPort: loopback only, never a wildcard address.
func Args(name, dir string, clientPort, peerPort int) []string {
	client := "http://127.0.0.1:" + strconv.Itoa(clientPort)
	peer := "http://127.0.0.1:" + strconv.Itoa(peerPort)
	return []string{
		"--name", name,
		"--data-dir", dir,
		"--listen-client-urls", client,
		"--advertise-client-urls", client,
		"--listen-peer-urls", peer,
		"--initial-advertise-peer-urls", peer,
		"--initial-cluster", name + "=" + peer,
		"--initial-cluster-state", "new",
		"--logger", "zap",
		"--log-outputs", "stderr",
	}
}

// A Server is one running etcd.
type Server struct {
	// Endpoint is the client URL, "http://127.0.0.1:PORT".
	Endpoint string

	t          testing.TB
	bin, dir   string
	clientPort int
	peerPort   int

	mu  sync.Mutex
	cmd *exec.Cmd
	log *os.File
	gen int
}

// Start starts an etcd for t and stops it when t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary(t)
	var last error
	for range 3 { // a free port can be taken between our probe and etcd's bind
		cp, err1 := freePort()
		pp, err2 := freePort()
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("etcdtest: %v", err)
		}
		s := &Server{t: t, bin: bin, dir: t.TempDir(), clientPort: cp, peerPort: pp, Endpoint: "http://127.0.0.1:" + strconv.Itoa(cp)}
		if last = s.start(); last == nil {
			t.Cleanup(s.Stop)
			return s
		}
		s.Stop()
	}
	t.Fatalf("etcdtest: %v", last)
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gen++
	logf, err := os.Create(filepath.Join(s.dir, fmt.Sprintf("etcd-%d.log", s.gen)))
	if err != nil {
		return err
	}
	cmd := exec.Command(s.bin, Args("etcdtest", filepath.Join(s.dir, "data"), s.clientPort, s.peerPort)...)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		return err
	}
	s.cmd, s.log = cmd, logf
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	s.t.Logf("etcdtest: etcd pid %d on %s", cmd.Process.Pid, s.Endpoint)
	deadline := time.Now().Add(startTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return fmt.Errorf("etcd exited at start:\n%s", tail(logf.Name()))
		default:
		}
		if healthy(s.Endpoint) {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("etcd not healthy within %v:\n%s", startTimeout, tail(logf.Name()))
}

func healthy(endpoint string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/health", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode == http.StatusOK && bytes.Contains(b, []byte(`"health":"true"`))
}

// Stop stops etcd by its pid (SIGTERM, then SIGKILL after 5 s) and waits
// for it. Calling it again does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGTERM)
}

// Kill stops etcd with SIGKILL, as a crash would.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(syscall.SIGKILL)
}

func (s *Server) stopLocked(sig syscall.Signal) {
	if s.cmd == nil {
		return
	}
	p := s.cmd.Process
	p.Signal(sig)
	done := make(chan struct{})
	go func() {
		for {
			if err := p.Signal(syscall.Signal(0)); err != nil {
				close(done)
				return
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		p.Kill()
		<-done
	}
	s.log.Close()
	s.cmd, s.log = nil, nil
}

// Restart starts etcd again on the same ports and data after Stop or
// Kill.
func (s *Server) Restart() {
	s.t.Helper()
	if err := s.start(); err != nil {
		s.t.Fatalf("etcdtest: restart: %v", err)
	}
}

// Metrics returns etcd's Prometheus counters and gauges from /metrics,
// by name with labels ("etcd_mvcc_put_total").
func (s *Server) Metrics() (map[string]float64, error) {
	resp, err := http.Get(s.Endpoint + "/metrics")
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, err
	}
	out := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if v, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = v
		}
	}
	return out, nil
}

// tail returns the end of a log file for failure messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// WriteMetrics are the counters of etcd's /metrics that count writes and
// lease traffic, for the benchmarks.
var WriteMetrics = []string{
	"etcd_mvcc_put_total",
	"etcd_mvcc_delete_total",
	"etcd_mvcc_txn_total",
	"etcd_server_proposals_committed_total",
	"etcd_debugging_lease_granted_total",
	"etcd_debugging_lease_revoked_total",
	"etcd_debugging_lease_renewed_total",
}

// Counters returns WriteMetrics, failing t if etcd cannot be read.
func (s *Server) Counters(t testing.TB) map[string]float64 {
	t.Helper()
	all, err := s.Metrics()
	if err != nil {
		t.Fatalf("etcdtest: metrics: %v", err)
	}
	out := map[string]float64{}
	for _, m := range WriteMetrics {
		out[m] = all[m]
	}
	return out
}

// Delta renders the change of WriteMetrics between two Counters, one
// "name +N" per line.
func Delta(before, after map[string]float64) string {
	var b strings.Builder
	for _, m := range WriteMetrics {
		fmt.Fprintf(&b, "  %-40s %+.0f\n", m, after[m]-before[m])
	}
	return b.String()
}

// BenchIdle skips t unless MDNS_BENCH=1 (a measurement, not a test) and
// returns how long the idle phase of an idle-writes measurement lasts:
// MDNS_BENCH_IDLE, 10 minutes by default.
func BenchIdle(t testing.TB) time.Duration {
	t.Helper()
	if os.Getenv("MDNS_BENCH") != "1" {
		t.Skip("a measurement: run with MDNS_BENCH=1")
	}
	if d, err := time.ParseDuration(os.Getenv("MDNS_BENCH_IDLE")); err == nil {
		return d
	}
	return 10 * time.Minute
}

// IdleWrites measures what a registry writes to srv: register runs once,
// then again every 30 s (go-micro's RegisterInterval) for idle; etcd's
// write counters are logged for both phases.
func IdleWrites(t testing.TB, srv *Server, label string, idle time.Duration, register func()) {
	t.Helper()
	before := srv.Counters(t)
	start := time.Now()
	register()
	registered := srv.Counters(t)
	t.Logf("%s: registered in %v; etcd counters:\n%s", label, time.Since(start).Round(time.Millisecond), Delta(before, registered))
	rounds := 0
	for end := time.Now().Add(idle); time.Now().Before(end); {
		time.Sleep(min(30*time.Second, time.Until(end)))
		if time.Now().Before(end) {
			register()
			rounds++
		}
	}
	t.Logf("%s: then %v, registered again %d times unchanged; etcd counters:\n%s", label, idle, rounds, Delta(registered, srv.Counters(t)))
}
