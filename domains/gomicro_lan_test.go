package domains

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// gomicroPeerDir is the go-micro peer program, a module of its own so that
// go-micro never enters mdnskit's go.mod.
const gomicroPeerDir = "../internal/gomicropeer"

// gomicroBuildProblem builds the peer (outside the namespaces, where the
// module proxy is reachable) and returns why it cannot be built, or "".
func gomicroBuildProblem() string {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out := filepath.Join(os.TempDir(), "gomicropeer-buildcheck")
	defer os.Remove(out)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, ".")
	cmd.Dir = gomicroPeerDir
	if b, err := cmd.CombinedOutput(); err != nil {
		return "go-micro peer (" + gomicroPeerDir + ") does not build: " + err.Error() + "\n" + string(b)
	}
	return ""
}

// go-micro's own mDNS registry (the peer program) and a micro flavour
// registry see each other both ways on a real LAN: ours finds go-micro's
// node with its endpoints and metadata and sees its goodbye; go-micro's
// GetService, ListServices and Watch return our node, with endpoints and
// metadata, and its delete.
func TestLANGoMicroInterop(t *testing.T) {
	t.Parallel()
	if !testlan.InNamespace() {
		if p := gomicroBuildProblem(); p != "" {
			testlan.SkipOrFail(t, "%s", p)
		}
	}
	// go-micro v4 and v5 (go-micro.dev/v4 v4.11.0, go-micro.dev/v5 v5.30.0)
	// share the wire code; v6 is not available from the module proxy.
	for _, version := range []string{"v4", "v5"} {
		t.Run(version, func(t *testing.T) { testGoMicroInterop(t, version) })
	}
}

func testGoMicroInterop(t *testing.T, version string) {
	opts := testlan.Options{Hosts: 2, Self: true, Binaries: []string{"./internal/gomicropeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		bin := lan.Bin("gomicropeer")
		// Every call runs that go-micro version with its default
		// registry timeout (100 ms).
		peerArgs := func(args ...string) []string { return append(args, "-gomicro", version) }
		r, err := New(Config{Flavour: Micro, Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		ctx := context.Background()

		// go-micro registers, we read. Its node ids are "<service name>-<uuid>",
		// so a dotted service name makes both span several labels.
		const gmName = "go.micro.srv.helloworld"
		gmID := gmName + strings.TrimPrefix(NewNodeID("x"), "x")
		reg := lan.Host(1).Start(t, bin, peerArgs("register", "-service", gmName, "-id", gmID, "-address", "10.99.0.1:53011")...)
		if !reg.WaitOutput(15*time.Second, `"registered":true`) {
			t.Fatalf("go-micro did not register:\n%s", reg.Output())
		}
		svcs, err := r.GetService(ctx, "", gmName)
		if err != nil {
			t.Fatalf("GetService(%s): %v", gmName, err)
		}
		if len(svcs) != 1 || len(svcs[0].Nodes) != 1 {
			t.Fatalf("GetService(%s) = %q", gmName, nodeSummary(svcs))
		}
		if list, err := r.ListServices(ctx, ""); err != nil || !slices.ContainsFunc(list, func(s *Service) bool { return s.Name == gmName }) {
			t.Errorf("ListServices = %q, %v; want %s listed", nodeSummary(list), err, gmName)
		}
		s, n := svcs[0], svcs[0].Nodes[0]
		if s.Version != "1.0.0" || len(s.Endpoints) != 1 || s.Endpoints[0].Name != "Helloworld.Call" ||
			s.Endpoints[0].Request == nil || s.Endpoints[0].Request.Values[0].Name != "name" ||
			n.Id != gmID || n.Address != "10.99.0.1:53011" || n.Metadata["peer"] != "go-micro" {
			t.Errorf("go-micro's node as we read it: %+v, node %+v", s, n)
		}
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		results := make(chan Result, 16)
		go r.Watch(wctx, "", gmName, func(res Result) error { results <- res; return nil })
		if res := next(t, results); res.Action != ActionCreate || res.Service.Nodes[0].Id != gmID {
			t.Errorf("first watch result %s %s, want create %s", res.Action, res.Service.Nodes[0].Id, gmID)
		}
		if err := reg.Stop(syscall.SIGTERM, 5*time.Second); err != nil {
			t.Errorf("go-micro peer: %v", err)
		}
		if res := next(t, results); res.Action != ActionDelete || res.Service.Nodes[0].Id != gmID {
			t.Errorf("after go-micro's Deregister: %s %s, want delete", res.Action, res.Service.Nodes[0].Id)
		}

		// We register, go-micro reads.
		h2 := lan.Host(2)
		const ourName = "go.micro.srv.greeter"
		watcher := h2.Start(t, bin, peerArgs("watch", "-service", ourName)...)
		if !watcher.WaitOutput(10*time.Second, `"watching":true`) {
			t.Fatalf("go-micro watch did not start:\n%s", watcher.Output())
		}
		ours := greeter(NewNodeID(ourName), 9090, map[string]string{"peer": "mdnskit"})
		ours.Name = ourName
		if err := r.Register(ctx, "", ours); err != nil {
			t.Fatal(err)
		}
		id := ours.Nodes[0].Id
		out, err := h2.Run(t, 10*time.Second, bin, peerArgs("get", "-service", ourName)...)
		if err != nil {
			t.Fatal(err)
		}
		got := decodeLines[Service](t, out)
		if len(got) != 1 || len(got[0].Nodes) != 1 {
			t.Fatalf("go-micro GetService(greeter):\n%s", out)
		}
		if g, n := got[0], got[0].Nodes[0]; n.Id != id || n.Address != "10.99.0.254:9090" || n.Metadata["peer"] != "mdnskit" ||
			g.Version != "1.0.0" || !reflect.DeepEqual(g.Endpoints, ours.Endpoints) {
			t.Errorf("go-micro GetService(greeter) = %+v, node %+v", g, n)
		}
		out, err = h2.Run(t, 10*time.Second, bin, peerArgs("list")...)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out, `"name":"`+ourName+`"`) {
			t.Errorf("go-micro ListServices does not list %s:\n%s", ourName, out)
		}
		// go-micro's Result has no JSON tags: "Action", "Service".
		if !watcher.WaitOutput(10*time.Second, `"Action":"create"`) || !strings.Contains(watcher.Output(), id) {
			t.Errorf("go-micro Watch saw no create of %s:\n%s", id, watcher.Output())
		}
		if err := r.Deregister(ctx, "", ours); err != nil {
			t.Fatal(err)
		}
		if !watcher.WaitOutput(10*time.Second, `"Action":"delete"`) {
			t.Errorf("go-micro Watch saw no delete:\n%s", watcher.Output())
		}
	})
}

func next(t *testing.T, ch <-chan Result) Result {
	t.Helper()
	select {
	case res := <-ch:
		return res
	case <-time.After(10 * time.Second):
		t.Fatal("no watch result within 10s")
		return Result{}
	}
}

// decodeLines decodes one JSON object per line (go-micro's lower-case
// tags match our fields, as encoding/json ignores case).
func decodeLines[T any](t *testing.T, out string) []*T {
	t.Helper()
	var res []*T
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		v := new(T)
		if err := json.Unmarshal(sc.Bytes(), v); err != nil {
			t.Fatalf("bad JSON line %q: %v", sc.Text(), err)
		}
		res = append(res, v)
	}
	return res
}
