package archtest

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/mdnskit/mdnskit"

// allowedOurs lists, per package (or package prefix ending in "/"), the
// packages of this module it may import outside its own tests. A package not
// listed may import nothing of ours.
var allowedOurs = map[string][]string{
	"txt":              {},
	"mdns":             {},
	"mdns/mdnstest":    {"mdns"},
	"domains":          {"txt", "mdns"},
	"cmd/":             {"domains", "mdns", "txt", "internal/"},
	"internal/cli":     {},
	"internal/testlan": {},
	// Measurements of the whole stack against its peers.
	"internal/bench": {"mdns", "mdns/mdnstest", "domains", "txt", "internal/testlan"},
	// Peers for the LAN tests and benchmarks: a flooding host (it builds
	// its packets by hand) and a responder on package mdns alone.
	"internal/floodpeer": {},
	"internal/scalepeer": {"mdns"},
	// Reliability on lossy links, under churn, floods and flaps, and over
	// long runs; its DNS reader for captures, its reader of /proc and its
	// browser/churn peer.
	"internal/reliability":          {"mdns", "mdns/mdnstest", "domains", "txt", "internal/testlan", "internal/reliability/dnswire", "internal/reliability/procstat"},
	"internal/reliability/dnswire":  {},
	"internal/reliability/procstat": {},
	"internal/reliability/relpeer":  {"mdns", "internal/reliability/procstat"},

	// What the commands share: printing browse results, network flags;
	// golden transcripts run on a simulated link.
	"internal/svcview":     {"domains", "mdns", "txt", "internal/cli"},
	"internal/netflags":    {"mdns", "internal/cli"},
	"internal/cli/clitest": {"mdns/mdnstest"},
	// The HTTP peer of the dialer's LAN test.
	"internal/httppeer": {"mdns"},
}

// Only package mdns may touch the DNS wire and the socket layer.
var wireOnly = []string{"github.com/miekg/dns", "golang.org/x/net/"}

// miekgDNS is the general DNS library that package mdns's own codec
// (mdns/internal/dnsmsg) replaced: it stays only as the independent
// reference the wire tests check that codec against.
const miekgDNS = "github.com/miekg/dns"

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	return pkgs
}

func rel(path string) (string, bool) {
	if path == module {
		return "", true
	}
	r, ok := strings.CutPrefix(path, module+"/")
	return r, ok
}

func matches(rule, p string) bool {
	if strings.HasSuffix(rule, "/") {
		return strings.HasPrefix(p, rule)
	}
	return p == rule
}

func allowedFor(p string) (allowed []string, listed bool) {
	for rule, a := range allowedOurs {
		if matches(rule, p) {
			return a, true
		}
	}
	return nil, false
}

func TestImportRule(t *testing.T) {
	for _, p := range listPackages(t) {
		me, _ := rel(p.ImportPath)
		allowed, _ := allowedFor(me)
		for _, imp := range p.Imports {
			dep, ours := rel(imp)
			if !ours {
				continue
			}
			if strings.HasPrefix(dep, "cmd/") {
				t.Errorf("%s imports %s: nothing may import a command", me, dep)
				continue
			}
			ok := strings.HasPrefix(dep, me+"/") && me != "" // own subpackages
			for _, a := range allowed {
				ok = ok || matches(a, dep)
			}
			if me == "mdns" && dep == "mdns/mdnstest" {
				ok = false // the engine must not depend on its test double
			}
			if !ok {
				t.Errorf("%s imports %s, which the import rule (docs/architecture.md) forbids", me, dep)
			}
		}
	}
}

func TestOnlyMDNSTouchesTheWire(t *testing.T) {
	for _, p := range listPackages(t) {
		me, _ := rel(p.ImportPath)
		if me == "mdns" || strings.HasPrefix(me, "mdns/internal/") {
			continue
		}
		all := append(append(append([]string{}, p.Imports...), p.TestImports...), p.XTestImports...)
		for _, imp := range all {
			for _, w := range wireOnly {
				if imp == strings.TrimSuffix(w, "/") || strings.HasPrefix(imp, w) {
					t.Errorf("%s imports %s: only package mdns may use miekg/dns and x/net", me, imp)
				}
			}
		}
	}
}

// No program of ours links miekg/dns: its package initialisers alone cost
// every process about 1.5 MB of resident memory (BENCH.md). Only tests of
// the wire layer import it.
func TestNoProgramLinksMiekgDNS(t *testing.T) {
	for _, p := range listPackages(t) {
		me, _ := rel(p.ImportPath)
		for _, imp := range p.Imports {
			if imp == miekgDNS {
				t.Errorf("%s imports %s outside its tests: the wire goes through mdns/internal/dnsmsg", me, imp)
			}
		}
	}
	for _, d := range listDeps(t, module+"/cmd/...") {
		if d == miekgDNS || strings.HasPrefix(d, "crypto/tls") {
			t.Errorf("the commands link %s", d)
		}
	}
}

func TestTxtIsPure(t *testing.T) {
	for _, p := range listPackages(t) {
		if me, _ := rel(p.ImportPath); me != "txt" {
			continue
		}
		for _, imp := range p.Imports {
			if strings.Contains(imp, ".") || imp == "net" || strings.HasPrefix(imp, "net/") || imp == "os" || imp == "syscall" {
				t.Errorf("txt imports %s: txt must be pure (no I/O, no third-party code)", imp)
			}
		}
		return
	}
	t.Fatal("package txt not found")
}
