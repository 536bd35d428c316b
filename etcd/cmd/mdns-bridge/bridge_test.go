package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	clientv3 "go.etcd.io/etcd/client/v3"
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

// hostEnv runs the command on a simulated host.
func hostEnv(h *mdnstest.Host) env {
	return env{
		network:    h,
		configure:  func(c *mdns.Config) { c.Rand = rand.New(rand.NewPCG(uint64(rand.Uint32()), 3)) },
		isTerminal: func(io.Writer) bool { return false },
	}
}

func TestUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), []string{"--help"}, &out, &errb, env{}); code != 0 || out.String() != usage {
		t.Errorf("--help: exit %d, %d bytes", code, out.Len())
	}
	for _, f := range []string{"--etcd", "--site", "--domain", "--service", "--interface", "--flavour", "--ttl", "--prefix",
		"--list", "--watch", "--timeout", "--json", "--parseable", "--verbose", "--help", "--version"} {
		if !strings.Contains(usage, f) {
			t.Errorf("usage lacks %s", f)
		}
	}
	for _, args := range [][]string{
		{},
		{"--etcd", "x", "--watch"},
		{"--etcd", "x", "--list", "--json", "--parseable"},
		{"--etcd", "x", "--list", "--site", "a"},
		{"--etcd", "x", "--flavour", "bonjour"},
		{"--etcd", "x", "--ttl", "10ms"},
		{"--etcd", "x", "extra"},
	} {
		out.Reset()
		errb.Reset()
		if code := runWith(context.Background(), args, &out, &errb, env{}); code != 2 || !strings.HasPrefix(errb.String(), "mdns-bridge: ") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and a message", args, code, errb.String())
		}
	}
}

// The command end to end on a simulated link and a real etcd: h1
// registers a node, mdns-bridge on h2 mirrors it into etcd as site
// berlin, mdns-bridge --list on h3 shows it once with both sources, in
// every output format; SIGINT (ctx) stops the bridge, which revokes its
// lease so the key goes at once.
func TestBridgeAndList(t *testing.T) {
	srv := etcdtest.Start(t)
	link := mdnstest.NewLink(mdnstest.LinkConfig{})
	h1, h2, h3 := link.AddHost("h1"), link.AddHost("h2"), link.AddHost("h3")
	t.Cleanup(func() {
		h1.Close()
		h2.Close()
		h3.Close()
		link.Close()
	})
	ann, err := domains.New(domains.Config{MDNS: mdns.Config{Network: h1}})
	if err != nil {
		t.Fatal(err)
	}
	defer ann.Close()
	svc := &domains.Service{Name: "greeter", Version: "1.0.0", Nodes: []*domains.Node{{Id: "greeter-1", Address: ":8080", Metadata: map[string]string{"k": "v"}}}}
	if err := ann.Register(context.Background(), "", svc); err != nil {
		t.Fatal(err)
	}

	ctx, stop := context.WithCancel(context.Background())
	var bout, berr syncBuffer
	done := make(chan int)
	go func() {
		done <- runWith(ctx, []string{"--etcd", srv.Endpoint, "--site", "berlin", "--json"}, &bout, &berr, hostEnv(h2))
	}()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(bout.String(), `"event":"put"`) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var put bridgeRecord
	if err := json.Unmarshal([]byte(strings.SplitN(bout.String(), "\n", 2)[0]), &put); err != nil {
		t.Fatalf("bridge output %q (stderr %q): %v", bout.String(), berr.String(), err)
	}
	if put.Instance != "greeter-1" || put.Address != "10.0.0.1:8080" || put.Link != "eth0" || put.Site != "berlin" || put.Domain != "local" {
		t.Errorf("bridge wrote %+v", put)
	}

	list := func(args ...string) (string, string, int) {
		var out, errb bytes.Buffer
		code := runWith(context.Background(), append([]string{"--etcd", srv.Endpoint, "--list"}, args...), &out, &errb, hostEnv(h3))
		return out.String(), errb.String(), code
	}
	out, errs, code := list("--json")
	if code != 0 || errs != "" {
		t.Fatalf("--list --json: exit %d, stderr %q", code, errs)
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(out), &rec); err != nil {
		t.Fatalf("--list --json: %q: %v", out, err)
	}
	want := map[string]string{
		"event": "add", "instance": "greeter-1", "domain": "local", "host": "10.0.0.1", "name": "greeter", "version": "1.0.0", "origin": "local",
		"sources": "[etcd:berlin mdns:eth0]", "addresses": "map[etcd:berlin:10.0.0.1:8080 mdns:eth0:10.0.0.1:8080]",
		"stale": "[]", "conflicts": "[]", "port": "8080", "addrs": "[10.0.0.1]",
		"metadata": "map[k:v mdnskit.link:eth0 mdnskit.site:berlin]",
	}
	for k, v := range want {
		if got := fmt.Sprint(rec[k]); got != v {
			t.Errorf("--json %s = %s, want %s", k, got, v)
		}
	}
	out, _, code = list("--parseable")
	if want := "+;local;greeter;1.0.0;greeter-1;10.0.0.1;8080;local;etcd:berlin,mdns:eth0\n"; code != 0 || out != want {
		t.Errorf("--parseable: exit %d\n got %q\nwant %q", code, out, want)
	}
	out, _, code = list()
	if want := "greeter 1.0.0 in local\n  NODE       HOST      PORT  ORIGIN  SOURCES\n  greeter-1  10.0.0.1  8080  local   etcd:berlin mdns:eth0\n"; code != 0 || out != want {
		t.Errorf("table: exit %d\n got %q\nwant %q", code, out, want)
	}

	// --watch: the goodbye of the node is a remove, once etcd and the
	// link both dropped it.
	wctx, wstop := context.WithCancel(context.Background())
	var wout syncBuffer
	wdone := make(chan int)
	go func() {
		wdone <- runWith(wctx, []string{"--etcd", srv.Endpoint, "--list", "--watch"}, &wout, &bytes.Buffer{}, hostEnv(h3))
	}()
	for !strings.Contains(wout.String(), "add\tgreeter-1") && time.Now().Before(deadline.Add(10*time.Second)) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := ann.Deregister(context.Background(), "", svc); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(wout.String(), "remove\tgreeter-1") && time.Now().Before(deadline.Add(20*time.Second)) {
		time.Sleep(20 * time.Millisecond)
	}
	wstop()
	if code := <-wdone; code != 0 || !strings.Contains(wout.String(), "remove\tgreeter-1\tgreeter\t1.0.0\tlocal\t10.0.0.1\t8080\tlocal\tetcd:berlin") {
		t.Errorf("--watch: exit %d, output %q", code, wout.String())
	}
	if !strings.Contains(bout.String(), `"event":"delete"`) {
		t.Errorf("the bridge did not delete the node: %q", bout.String())
	}

	// A node registered again, then the bridge stops: its lease goes.
	if err := ann.Register(context.Background(), "", svc); err != nil {
		t.Fatal(err)
	}
	for strings.Count(bout.String(), `"event":"put"`) < 2 && time.Now().Before(deadline.Add(30*time.Second)) {
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if code := <-done; code != 0 {
		t.Errorf("bridge exit %d, stderr %q", code, berr.String())
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{srv.Endpoint}})
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	if resp, err := cli.Get(context.Background(), "/micro/registry/", clientv3.WithPrefix()); err != nil || len(resp.Kvs) != 0 {
		t.Errorf("after the bridge stopped: %v, %v; want no keys", resp, err)
	}
}

// With etcd unreachable a listing still shows the link, says which
// source failed, and exits 1.
func TestListWithoutEtcd(t *testing.T) {
	link := mdnstest.NewLink(mdnstest.LinkConfig{})
	h1, h2 := link.AddHost("h1"), link.AddHost("h2")
	defer func() {
		h1.Close()
		h2.Close()
		link.Close()
	}()
	ann, err := domains.New(domains.Config{MDNS: mdns.Config{Network: h1}})
	if err != nil {
		t.Fatal(err)
	}
	defer ann.Close()
	if err := ann.Register(context.Background(), "", &domains.Service{Name: "greeter", Nodes: []*domains.Node{{Id: "g1", Address: ":1"}}}); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runWith(context.Background(), []string{"--etcd", "http://127.0.0.1:1", "--list", "--timeout", "2s", "--parseable"}, &out, &errb, hostEnv(h2))
	if code != 1 || out.String() != "+;local;greeter;;g1;10.0.0.1;1;local;mdns:eth0\n" || !strings.Contains(errb.String(), "mdns-bridge: etcd") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errb.String())
	}
}
