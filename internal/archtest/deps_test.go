package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// heavy are dependencies that must stay in nested modules: a program that
// imports only txt, mdns or domains builds without them.
var heavy = []string{"go.etcd.io/", "google.golang.org/grpc", "google.golang.org/protobuf", "go-micro.dev/", "github.com/go-kit/", "go.uber.org/zap"}

func isHeavy(path string) bool {
	for _, h := range heavy {
		if strings.HasPrefix(path, h) {
			return true
		}
	}
	return false
}

// listDeps is the whole dependency graph of pkgs (go list -deps).
func listDeps(t *testing.T, pkgs ...string) []string {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list -deps listed only %d packages", len(deps))
	}
	return deps
}

// The core packages' whole dependency graph (go list -deps) holds no etcd
// client, gRPC or framework, and the root module requires none of them.
func TestCoreHasNoHeavyDeps(t *testing.T) {
	core := []string{module + "/txt", module + "/mdns", module + "/domains"}
	for _, d := range listDeps(t, core...) {
		if isHeavy(d) {
			t.Errorf("the core packages depend on %s", d)
		}
	}
	mods, err := exec.Command("go", "list", "-m", "all").Output()
	if err != nil {
		t.Fatalf("go list -m all: %v", err)
	}
	for _, m := range strings.Fields(string(mods)) {
		if isHeavy(m) {
			t.Errorf("the root module requires %s; it belongs in a nested module", m)
		}
	}
}

// The etcd module (its own go.mod) keeps the layering: the registry and
// the bridge read and write through package domains only; the command
// adds the plumbing; nothing imports the command.
func TestEtcdModuleImports(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "./...")
	cmd.Dir = "../../etcd"
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list in etcd/: %v", err)
	}
	allowed := map[string][]string{
		"etcd":                   {"domains"},
		"etcd/bridge":            {"domains"},
		"etcd/cmd/mdns-bridge":   {"domains", "mdns", "internal/cli", "etcd", "etcd/bridge"},
		"etcd/internal/etcdtest": {},
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	seen := 0
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		me, _ := rel(p.ImportPath)
		a, ok := allowed[me]
		if !ok {
			t.Errorf("%s: not in this test's table; add it", me)
			continue
		}
		seen++
		for _, imp := range p.Imports {
			dep, ours := rel(imp)
			if !ours {
				continue
			}
			found := false
			for _, x := range a {
				found = found || dep == x
			}
			if !found {
				t.Errorf("%s imports %s", me, dep)
			}
		}
	}
	if seen != len(allowed) {
		t.Errorf("found %d of the %d packages of the etcd module", seen, len(allowed))
	}
}
