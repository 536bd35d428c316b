package main

import (
	"bytes"
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// syncBuffer is a bytes.Buffer safe to read while the command writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is a running mdns-announce inside a bubble.
type started struct {
	stdout, stderr syncBuffer
	cancel         context.CancelFunc
	done           chan int
}

func start(h *mdnstest.Host, hangup chan os.Signal, args ...string) *started {
	s := &started{done: make(chan int, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- runWith(ctx, args, &s.stdout, &s.stderr, testEnv(h, hangup)) }()
	return s
}

func (s *started) stop(t *testing.T) int {
	t.Helper()
	s.cancel()
	return <-s.done
}

// browser follows a type from host h and records the instances it sees.
type browser struct {
	mu   sync.Mutex
	seen map[string]mdns.ServiceEntry
	log  []string
	conn *mdns.Conn
	wg   sync.WaitGroup
	stop context.CancelFunc
}

func browse(t *testing.T, h *mdnstest.Host, types ...string) *browser {
	t.Helper()
	conn, err := mdns.Listen(mdns.Config{Network: h, Rand: rand.New(rand.NewPCG(3, 3))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &browser{seen: map[string]mdns.ServiceEntry{}, conn: conn, stop: cancel}
	for _, typ := range types {
		b.wg.Go(func() {
			err := conn.Browse(ctx, mdns.BrowseQuery{Type: typ}, func(ev mdns.BrowseEvent) error {
				b.mu.Lock()
				defer b.mu.Unlock()
				k := ev.Entry.Instance + "." + ev.Entry.Type
				b.log = append(b.log, ev.Kind.String()+" "+k)
				if ev.Kind == mdns.EventRemove {
					delete(b.seen, k)
				} else {
					b.seen[k] = ev.Entry
				}
				return nil
			})
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("browse %s: %v", typ, err)
			}
		})
	}
	t.Cleanup(func() {
		cancel()
		b.wg.Wait()
		if err := conn.Close(); err != nil {
			t.Errorf("close the browser: %v", err)
		}
	})
	return b
}

func (b *browser) get(k string) (mdns.ServiceEntry, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e, ok := b.seen[k]
	return e, ok
}

func (b *browser) events() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.Join(b.log, "\n")
}

// issue 7: SIGHUP reloads --file: new services registered, removed ones
// withdrawn (a browser sees them go), changed ones updated in place; a bad
// file is reported and the running set kept.
func TestReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "services.json")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`[{"instance":"Web","service":"_http._tcp","port":8080,"txt":["v=1"]},
	        {"instance":"Old","service":"_http._tcp","port":81}]`)
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer link.Close()
		defer h1.Close()
		defer h2.Close()
		b := browse(t, h1, "_http._tcp")
		hup := make(chan os.Signal, 1)
		a := start(h2, hup, "--file", file, "--json")
		time.Sleep(5 * time.Second)
		if _, ok := b.get("Old._http._tcp"); !ok {
			t.Fatalf("browser did not see Old: %s", b.events())
		}

		write(`[{"instance":"Web","service":"_http._tcp","port":8081,"txt":["v=2"]},
		        {"instance":"New","service":"_http._tcp","port":82}]`)
		hup <- syscall.SIGHUP
		time.Sleep(5 * time.Second)
		write(`[{"instance":"Web"`) // broken: reported, nothing changes
		hup <- syscall.SIGHUP
		time.Sleep(time.Second)

		if code := a.stop(t); code != 0 {
			t.Errorf("exit %d, stderr:\n%s", code, a.stderr.String())
		}
		want := `{"event":"registered","instance":"Web","service":"_http._tcp","domain":"local","port":8080}
{"event":"registered","instance":"Old","service":"_http._tcp","domain":"local","port":81}
{"event":"deregistered","instance":"Old","service":"_http._tcp","domain":"local","port":81}
{"event":"updated","instance":"Web","service":"_http._tcp","domain":"local","port":8081}
{"event":"registered","instance":"New","service":"_http._tcp","domain":"local","port":82}
`
		if got := a.stdout.String(); got != want {
			t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
		}
		if got := a.stderr.String(); !strings.Contains(got, "mdns-announce: reload: ") || !strings.Contains(got, "keeping the services published") {
			t.Errorf("stderr = %q, want the reload error", got)
		}
	})
}

// The browser's view while the announcer runs with the reloaded file.
func TestReloadSeenByBrowser(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "services.json")
	if err := os.WriteFile(file, []byte(`[{"instance":"Web","service":"_http._tcp","port":8080,"txt":["v=1"]},{"instance":"Old","service":"_http._tcp","port":81}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer link.Close()
		defer h1.Close()
		defer h2.Close()
		b := browse(t, h1, "_http._tcp")
		hup := make(chan os.Signal, 1)
		a := start(h2, hup, "--file", file)
		time.Sleep(5 * time.Second)
		if err := os.WriteFile(file, []byte(`[{"instance":"Web","service":"_http._tcp","port":8081,"txt":["v=2"]}]`), 0o644); err != nil {
			t.Fatal(err)
		}
		hup <- syscall.SIGHUP
		time.Sleep(5 * time.Second)
		if _, ok := b.get("Old._http._tcp"); ok {
			t.Errorf("Old still seen after the reload withdrew it: %s", b.events())
		}
		e, ok := b.get("Web._http._tcp")
		if !ok || e.Port != 8081 || len(e.Text) != 1 || string(e.Text[0]) != "v=2" {
			t.Errorf("Web = %+v (seen %v), want port 8081 and v=2", e, ok)
		}
		a.stop(t)
		// issue 7: SIGTERM sends goodbyes: the browser sees Web go at once.
		time.Sleep(2 * time.Second)
		if _, ok := b.get("Web._http._tcp"); ok {
			t.Errorf("Web still seen 2s after the announcer stopped: %s", b.events())
		}
	})
}

// issue 7: a rename after the name was established (RFC 6762 §9) is
// printed. Two hosts publish "Web" while the link is cut; when it heals,
// h2's interface goes down and up (a laptop rejoining the network), h2
// probes its names again, h1 defends "Web" and h2 becomes "Web (2)".
func TestLateRename(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2, h3 := link.AddHost("h1"), link.AddHost("h2"), link.AddHost("h3")
		defer link.Close()
		defer h1.Close()
		defer h2.Close()
		defer h3.Close()
		link.SetFaults(mdnstest.Faults{Loss: 1})
		a1 := start(h1, nil, "-n", "Web", "-s", "_http._tcp", "-p", "80", "--json")
		a2 := start(h2, nil, "-n", "Web", "-s", "_http._tcp", "-p", "81", "--json")
		time.Sleep(5 * time.Second)
		link.SetFaults(mdnstest.Faults{})
		rejoin(t, h2)
		b := browse(t, h3, "_http._tcp")
		time.Sleep(10 * time.Second)
		a1.stop(t)
		a2.stop(t)
		out := a1.stdout.String() + a2.stdout.String()
		if strings.Count(out, `"event":"registered","instance":"Web"`) != 2 {
			t.Fatalf("both should have registered Web while cut off:\n%s", out)
		}
		if !strings.Contains(out, `{"event":"renamed","instance":"Web (2)","service":"_http._tcp","domain":"local","port":8`) ||
			!strings.Contains(out, `"old":"Web","new":"Web (2)"}`) {
			t.Errorf("no rename printed:\n%s\nbrowser:\n%s", out, b.events())
		}
	})
}

// issue 7: with --no-rename, a name lost after it was established ends the
// announcer with exit status 3.
func TestLateConflictNoRename(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2, h3 := link.AddHost("h1"), link.AddHost("h2"), link.AddHost("h3")
		defer link.Close()
		defer h1.Close()
		defer h2.Close()
		defer h3.Close()
		link.SetFaults(mdnstest.Faults{Loss: 1})
		a1 := start(h1, nil, "-n", "Web", "-s", "_http._tcp", "-p", "80", "--no-rename")
		a2 := start(h2, nil, "-n", "Web", "-s", "_http._tcp", "-p", "81", "--no-rename")
		time.Sleep(5 * time.Second)
		link.SetFaults(mdnstest.Faults{})
		rejoin(t, h2)
		var codes []int
		timeout := time.After(30 * time.Second)
		for len(codes) < 1 {
			select {
			case c := <-a1.done:
				codes = append(codes, c)
				a1.done <- c
			case c := <-a2.done:
				codes = append(codes, c)
				a2.done <- c
			case <-timeout:
				t.Fatalf("neither announcer gave up its name:\n%s\n%s", a1.stderr.String(), a2.stderr.String())
			}
		}
		a1.stop(t)
		a2.stop(t)
		if codes[0] != 3 {
			t.Errorf("exit %d, want 3", codes[0])
		}
		if errs := a1.stderr.String() + a2.stderr.String(); !strings.Contains(errs, "claimed by another host") {
			t.Errorf("stderr: %s", errs)
		}
	})
}

// rejoin takes h's eth0 down and up again.
func rejoin(t *testing.T, h *mdnstest.Host) {
	t.Helper()
	if err := h.SetUp("eth0", false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := h.SetUp("eth0", true); err != nil {
		t.Fatal(err)
	}
}

func TestHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), []string{"--help"}, &out, &errb, env{}); code != 0 || out.String() != usage || errb.Len() != 0 {
		t.Errorf("--help: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errb.String())
	}
	out.Reset()
	if code := runWith(context.Background(), []string{"--version"}, &out, &errb, env{}); code != 0 || !strings.HasPrefix(out.String(), "mdns-announce devel (go") {
		t.Errorf("--version: exit %d, stdout %q", code, out.String())
	}
	// issue 7: --help documents every flag, each with an example nearby.
	for _, f := range []string{"--instance", "--service", "--port", "--txt", "--domain", "--subtype", "--ttl", "--no-rename", "--host", "--file",
		"--service-version", "--meta", "--endpoint", "--endpoints", "--flavour", "--global-domain", "--interface", "--ipv4-only", "--ipv6-only", "--json", "--verbose", "--version"} {
		if !strings.Contains(usage, f) {
			t.Errorf("usage does not mention %s", f)
		}
	}
}
