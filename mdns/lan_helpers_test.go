package mdns_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// The lan_*_test.go files run package mdns with real sockets on a virtual
// LAN (internal/testlan): the test process is host h254 on br0 (Options.Self)
// and talks to Avahi, python-zeroconf, hashicorp/mdns and our own commands
// on hosts h1..hN. They skip without root (fail under MDNS_REQUIRE_LAN=1).
//
// Timing bounds are protocol windows (RFC 6762 §10.1: a goodbye removes a
// record one second later), with room for a loaded machine; they are not
// speed measurements.

// lanIface is the test process's interface on the LAN.
const lanIface = "br0"

// lanListen opens a Conn on br0 publishing host label host; it is closed
// when t ends.
func lanListen(t *testing.T, host string) *mdns.Conn {
	t.Helper()
	c, err := mdns.Listen(mdns.Config{Interfaces: []string{lanIface}, HostName: host, Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return c
}

// lanRegister registers s on c and fails t on error.
func lanRegister(t *testing.T, c *mdns.Conn, s mdns.Service) *mdns.Registration {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	reg, err := c.Register(ctx, s)
	if err != nil {
		t.Fatalf("Register %q: %v", s.Instance, err)
	}
	return reg
}

// needZeroconf skips (or fails under MDNS_REQUIRE_LAN=1) without
// python-zeroconf.
func needZeroconf(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import zeroconf").CombinedOutput(); err != nil {
		testlan.SkipOrFail(t, "python-zeroconf missing (/usr/bin/python3 -c 'import zeroconf': %v: %s)", err, out)
	}
}

// zcbrowseScript is the harness's python-zeroconf browse script.
func zcbrowseScript(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../internal/testlan/testdata/zcbrowse.py")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// stamped is a browse event with the time it reached the callback.
type stamped struct {
	at time.Time
	mdns.BrowseEvent
}

// eventLog collects the events of one Browse running in the background.
type eventLog struct {
	mu  sync.Mutex
	evs []stamped
	err error
}

// browseLog browses q on c until t ends.
func browseLog(t *testing.T, c *mdns.Conn, q mdns.BrowseQuery) *eventLog {
	t.Helper()
	l := &eventLog{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		err := c.Browse(ctx, q, func(ev mdns.BrowseEvent) error {
			l.mu.Lock()
			defer l.mu.Unlock()
			l.evs = append(l.evs, stamped{time.Now(), ev})
			return nil
		})
		l.mu.Lock()
		l.err = err
		l.mu.Unlock()
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		if l.err != nil && !errors.Is(l.err, context.Canceled) {
			t.Errorf("Browse %v: %v", q, l.err)
		}
	})
	return l
}

func (l *eventLog) snapshot() []stamped {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.evs)
}

// state returns, per instance, the entry as of its last event and when that
// was; removed instances are absent.
func (l *eventLog) state() map[string]stamped {
	m := map[string]stamped{}
	for _, ev := range l.snapshot() {
		if ev.Kind == mdns.EventRemove {
			delete(m, ev.Entry.Instance)
		} else {
			m[ev.Entry.Instance] = ev
		}
	}
	return m
}

// first returns the first event of kind for instance, if any.
func (l *eventLog) first(kind mdns.EventKind, instance string) (stamped, bool) {
	for _, ev := range l.snapshot() {
		if ev.Kind == kind && ev.Entry.Instance == instance {
			return ev, true
		}
	}
	return stamped{}, false
}

// waitKind waits up to timeout for an event of kind for instance.
func (l *eventLog) waitKind(timeout time.Duration, kind mdns.EventKind, instance string) (stamped, bool) {
	var ev stamped
	ok := poll(timeout, func() bool {
		var found bool
		ev, found = l.first(kind, instance)
		return found
	})
	return ev, ok
}

// waitEntry waits up to timeout until instance is present and check (which
// returns a description of what is still wrong, or "") accepts its current
// entry; it returns the entry and the time of its last event, or fails t
// with the last complaint and the event history.
func (l *eventLog) waitEntry(t *testing.T, timeout time.Duration, instance string, check func(mdns.ServiceEntry) string) stamped {
	t.Helper()
	var cur stamped
	why := "never seen"
	ok := poll(timeout, func() bool {
		st, present := l.state()[instance]
		if !present {
			return false
		}
		cur, why = st, check(st.Entry)
		return why == ""
	})
	if !ok {
		t.Fatalf("%q after %v: %s\nevents:\n%s", instance, timeout, why, l.dump())
	}
	return cur
}

func (l *eventLog) dump() string {
	var b strings.Builder
	for _, ev := range l.snapshot() {
		fmt.Fprintf(&b, "  %s %s %+v\n", ev.at.Format("15:04:05.000"), ev.Kind, ev.Entry)
	}
	return b.String()
}

// poll calls cond every 10 ms until it holds or timeout passes.
func poll(timeout time.Duration, cond func() bool) bool {
	for end := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// entryCheck compares what a browser resolved with what the publisher
// published; addresses are compared as sets (their order is not part of
// the contract), TXT strings exactly and in order.
func entryCheck(host string, port uint16, text []string, addrs ...netip.Addr) func(mdns.ServiceEntry) string {
	return func(e mdns.ServiceEntry) string {
		var why []string
		if e.Host != host {
			why = append(why, fmt.Sprintf("host %q, want %q", e.Host, host))
		}
		if e.Port != port {
			why = append(why, fmt.Sprintf("port %d, want %d", e.Port, port))
		}
		if got := textStrings(e.Text); !slices.Equal(got, text) {
			why = append(why, fmt.Sprintf("TXT %q, want %q", got, text))
		}
		if got, want := sortedAddrs(e.Addrs), sortedAddrs(addrs); !slices.Equal(got, want) {
			why = append(why, fmt.Sprintf("addresses %v, want %v", got, want))
		}
		return strings.Join(why, "; ")
	}
}

func textStrings(t [][]byte) []string {
	out := make([]string, len(t))
	for i, s := range t {
		out[i] = string(s)
	}
	return out
}

func textBytes(t []string) [][]byte {
	out := make([][]byte, len(t))
	for i, s := range t {
		out[i] = []byte(s)
	}
	return out
}

func sortedAddrs(a []netip.Addr) []netip.Addr {
	a = slices.Clone(a)
	slices.SortFunc(a, func(x, y netip.Addr) int { return x.Compare(y) })
	return a
}

// ll returns a host's link-local address as seen from br0.
func ll(h *testlan.Host) netip.Addr { return h.LinkLocal.WithZone(lanIface) }
