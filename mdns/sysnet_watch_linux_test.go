package mdns

import (
	"context"
	"errors"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// TestSysWatchCoalesces drives the netlink watcher from a pipe standing in
// for the netlink socket: a burst of messages is one call of changed, and
// the reader goroutine and the file are gone when ctx ends.
func TestSysWatchCoalesces(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}, 100)
	done := make(chan error, 1)
	go func() {
		done <- sysWatchNetlink(ctx, SystemNetwork(), r, time.Second, func() { calls <- struct{}{} })
	}()
	for range 10 {
		if _, err := w.Write([]byte("msg")); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("changed not called after a burst")
	}
	// A second burst is a second call.
	if _, err := w.Write([]byte("msg")); err != nil {
		t.Fatal(err)
	}
	select {
	case <-calls:
	case <-time.After(10 * time.Second):
		t.Fatal("changed not called after the second burst")
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("WatchInterfaces returned %v, want context.Canceled", err)
	}
	if n := len(calls); n != 0 {
		t.Errorf("%d extra calls of changed: the burst was not coalesced", n)
	}
	if _, err := r.Read(make([]byte, 1)); !errors.Is(err, os.ErrClosed) {
		t.Errorf("read after return: %v, want the file closed", err)
	}
	sysWaitGoroutines(t, before)
}

// TestSysWatchInterfaces: interfaces and addresses that come and go while
// WatchInterfaces runs each lead to a call of changed; when ctx ends it
// returns with no goroutine or file descriptor left behind.
func TestSysWatchInterfaces(t *testing.T) {
	testlan.Loopback(t, func(t *testing.T) {
		fds := sysCountFDs(t)
		goroutines := runtime.NumGoroutine()
		ctx, cancel := context.WithCancel(context.Background())
		calls := make(chan struct{}, 100)
		done := make(chan error, 1)
		go func() {
			done <- SystemNetwork().WatchInterfaces(ctx, func() { calls <- struct{}{} })
		}()
		// The subscription is in place once the socket shows up.
		for end := time.Now().Add(5 * time.Second); sysCountFDs(t) == fds; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatal("WatchInterfaces opened no netlink socket")
			}
		}
		for _, step := range [][]string{
			{"link", "add", "sysw0", "type", "veth", "peer", "name", "sysw1"},
			{"link", "set", "sysw0", "up"},
			{"addr", "add", "10.6.0.1/24", "dev", "sysw0"},
			{"-6", "addr", "add", "fd00:6::1/64", "dev", "sysw0", "nodad"},
			{"addr", "del", "10.6.0.1/24", "dev", "sysw0"},
			{"link", "del", "sysw0"},
		} {
			for len(calls) > 0 { // what earlier steps caused
				<-calls
			}
			sysSh(t, "ip", step...)
			select {
			case <-calls:
			case <-time.After(10 * time.Second):
				t.Fatalf("no call of changed after ip %s", strings.Join(step, " "))
			}
		}
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("WatchInterfaces = %v, want context.Canceled", err)
		}
		sysWaitGoroutines(t, goroutines)
		if n := sysCountFDs(t); n != fds {
			t.Errorf("%d file descriptors after WatchInterfaces, %d before", n, fds)
		}
	})
}

func sysCountFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}
