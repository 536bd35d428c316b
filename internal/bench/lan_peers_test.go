package bench

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// Helpers for the real-LAN harness (lan_bench_test.go), copied in small
// from package mdns's LAN tests (test files cannot be imported).

// zcPublishScript publishes one service with python-zeroconf until SIGTERM,
// then unregisters it (goodbyes). argv: TYPE NAME PORT SERVER ADDR...
const zcPublishScript = `
import signal, sys, threading
from zeroconf import IPVersion, ServiceInfo, Zeroconf
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
type_, name, port, server, addrs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
zc = Zeroconf(ip_version=IPVersion.All)
info = ServiceInfo(type_, name + "." + type_, port=port, server=server, properties={"path": "/"}, parsed_addresses=addrs)
zc.register_service(info)
print("registered", flush=True)
while not stop.wait(0.01):
    pass
zc.unregister_service(info)
zc.close()
`

// zcBrowseScript browses TYPE with python-zeroconf and prints, with the
// wall-clock time of each, "start T" just before it starts and
// "add T NAME" / "remove T NAME" for every change it is told about.
const zcBrowseScript = `
import signal, sys, threading, time
from zeroconf import IPVersion, ServiceBrowser, ServiceListener, Zeroconf
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
class L(ServiceListener):
    def add_service(self, zc, t, name): print("add", repr(time.time()), name, flush=True)
    def remove_service(self, zc, t, name): print("remove", repr(time.time()), name, flush=True)
    def update_service(self, zc, t, name): pass
print("start", repr(time.time()), flush=True)
zc = Zeroconf(ip_version=IPVersion.All)
ServiceBrowser(zc, sys.argv[1], L())
while not stop.wait(0.05):
    pass
zc.close()
`

// scriptFile writes a script where every host of the LAN sees it.
func scriptFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// zcEvent finds the first "KIND T NAME" line of zcBrowseScript's output
// whose name starts with prefix and returns T.
func zcEvent(out, kind, prefix string) (time.Time, bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.SplitN(line, " ", 3)
		if len(f) < 2 || f[0] != kind || (kind != "start" && (len(f) < 3 || !strings.HasPrefix(f[2], prefix))) {
			continue
		}
		sec, err := strconv.ParseFloat(f[1], 64)
		if err != nil {
			continue
		}
		return time.Unix(0, int64(sec*1e9)), true
	}
	return time.Time{}, false
}

// avahiSeen reports whether avahi-browse -p output has a line of kind
// ("+", "=", "-") for instance name.
func avahiSeen(out, kind, name string) bool {
	return len(testlan.FindAvahi(testlan.ParseAvahiBrowse(out), kind, name)) > 0
}

// poll calls cond every 2 ms until it holds or timeout passes, and returns
// when it first held.
func poll(timeout time.Duration, cond func() bool) (time.Time, bool) {
	for end := time.Now().Add(timeout); ; time.Sleep(2 * time.Millisecond) {
		if cond() {
			return time.Now(), true
		}
		if time.Now().After(end) {
			return time.Time{}, false
		}
	}
}

// browser runs one Browse in the background and records when each
// instance was first added and removed.
type browser struct {
	mu      sync.Mutex
	added   map[string]time.Time
	removed map[string]time.Time
	cancel  context.CancelFunc
	done    chan struct{}
	err     error
}

func startBrowse(c *mdns.Conn, typ string) *browser {
	ctx, cancel := context.WithCancel(context.Background())
	b := &browser{added: map[string]time.Time{}, removed: map[string]time.Time{}, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(b.done)
		err := c.Browse(ctx, mdns.BrowseQuery{Type: typ}, func(ev mdns.BrowseEvent) error {
			now := time.Now()
			b.mu.Lock()
			defer b.mu.Unlock()
			m := b.added
			if ev.Kind == mdns.EventRemove {
				m = b.removed
			}
			if _, ok := m[ev.Entry.Instance]; !ok {
				m[ev.Entry.Instance] = now
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			b.err = err
		}
	}()
	return b
}

func (b *browser) stop() error {
	b.cancel()
	<-b.done
	return b.err
}

// wait waits up to timeout for the first event of kind ("add", "remove")
// for instance and returns its time.
func (b *browser) wait(kind, instance string, timeout time.Duration) (time.Time, bool) {
	var at time.Time
	_, ok := poll(timeout, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		m := b.added
		if kind == "remove" {
			m = b.removed
		}
		var found bool
		at, found = m[instance]
		return found
	})
	return at, ok
}

// samples collects named duration samples and logs them as a table.
type samples struct {
	mu    sync.Mutex
	order []string
	m     map[string][]time.Duration
	notes map[string][]string
}

func newSamples() *samples {
	return &samples{m: map[string][]time.Duration{}, notes: map[string][]string{}}
}

func (s *samples) add(name string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[name]; !ok && !slices.Contains(s.order, name) {
		s.order = append(s.order, name)
	}
	s.m[name] = append(s.m[name], d)
}

func (s *samples) miss(name, why string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.order, name) {
		s.order = append(s.order, name)
	}
	s.notes[name] = append(s.notes[name], why)
}

func (s *samples) report(t *testing.T, title string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	b.WriteString(title + ":\n")
	for _, name := range s.order {
		b.WriteString("  " + name + ": " + summarize(s.m[name]).String())
		if n := len(s.notes[name]); n > 0 {
			b.WriteString("; " + strconv.Itoa(n) + " missed: " + s.notes[name][0])
		}
		b.WriteString("\n")
	}
	t.Log(b.String())
	if out := os.Getenv("MDNS_BENCH_JSON"); out != "" {
		f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err == nil {
			enc := json.NewEncoder(f)
			for _, name := range s.order {
				sm := summarize(s.m[name])
				enc.Encode(map[string]any{"table": title, "name": name, "n": sm.n,
					"median_ms": sm.med.Seconds() * 1000, "p90_ms": sm.p90.Seconds() * 1000, "missed": len(s.notes[name])})
			}
			f.Close()
		}
	}
}

// waitLine polls a process's output for substr.
func waitLine(p *testlan.Proc, substr string, timeout time.Duration) (time.Time, bool) {
	return poll(timeout, func() bool { return strings.Contains(p.Output(), substr) })
}
