package testlan

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestPrereqs(t *testing.T) {
	all := func(string) (string, error) { return "/bin/x", nil }
	missing := func(tool string) func(string) (string, error) {
		return func(name string) (string, error) {
			if name == tool {
				return "", errors.New("not found")
			}
			return "/bin/" + name, nil
		}
	}
	for _, tc := range []struct {
		k      kind
		goos   string
		euid   int
		look   func(string) (string, error)
		reason string // substring; "" means possible
	}{
		{kindLAN, "linux", 0, all, ""},
		{kindLoopback, "linux", 0, missing("unshare"), ""},
		{kindLAN, "darwin", 0, all, "need Linux"},
		{kindLAN, "linux", 1000, all, "needs root (euid 1000)"},
		{kindLAN, "linux", 0, missing("ip"), `"ip" not found`},
		{kindLAN, "linux", 0, missing("unshare"), `"unshare" not found`},
		{kindLoopback, "linux", 0, missing("ip"), `"ip" not found`},
	} {
		got := prereqs(tc.k, tc.goos, tc.euid, tc.look)
		if (tc.reason == "") != (got == "") || !strings.Contains(got, tc.reason) {
			t.Errorf("prereqs(%v, %s, %d) = %q, want %q", tc.k, tc.goos, tc.euid, got, tc.reason)
		}
	}
}

func TestRequired(t *testing.T) {
	for v, want := range map[string]bool{"1": true, "": false, "0": false, "yes": false} {
		if got := required(func(string) string { return v }); got != want {
			t.Errorf("required(%q) = %v", v, got)
		}
	}
}

// fakeTB records what SkipOrFail does without ending the real test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

type stopped struct{}

// Skip and Fatalf end the "test" like the real ones do: nothing after
// them runs.
func (f *fakeTB) Helper()                   {}
func (f *fakeTB) Skip(args ...any)          { f.skipped, f.msg = true, args[0].(string); panic(stopped{}) }
func (f *fakeTB) Fatalf(s string, a ...any) { f.failed, f.msg = true, s; panic(stopped{}) }

func callTB(f *fakeTB, fn func(testing.TB)) {
	defer func() {
		if r := recover(); r != nil && r != (stopped{}) {
			panic(r)
		}
	}()
	fn(f)
}

func TestSkipOrFail(t *testing.T) {
	t.Setenv(EnvRequire, "")
	f := &fakeTB{}
	callTB(f, func(tb testing.TB) { SkipOrFail(tb, "no %s", "tool") })
	if !f.skipped || f.failed || f.msg != "no tool" {
		t.Errorf("without %s: %+v", EnvRequire, f)
	}
	t.Setenv(EnvRequire, "1")
	f = &fakeTB{}
	callTB(f, func(tb testing.TB) { SkipOrFail(tb, "no %s", "tool") })
	if f.skipped || !f.failed {
		t.Errorf("with %s=1: %+v", EnvRequire, f)
	}
}

// TestRunPattern checks the -test.run pattern the way the testing package
// applies it: split at '/', each level matched as a regexp.
func TestRunPattern(t *testing.T) {
	for _, name := range []string{"TestA", "TestA/sub", "TestA/a_[b]_(c)|d+#01", "TestA/x.y*z/deeper"} {
		pat := runPattern(name)
		levels := strings.Split(pat, "/")
		elems := strings.Split(name, "/")
		if len(levels) != len(elems) {
			t.Fatalf("%q: pattern %q has %d levels", name, pat, len(levels))
		}
		for i, l := range levels {
			re := regexp.MustCompile(l)
			if !re.MatchString(elems[i]) {
				t.Errorf("%q: level %q does not match %q", name, l, elems[i])
			}
			if re.MatchString(elems[i]+"x") || re.MatchString("x"+elems[i]) {
				t.Errorf("%q: level %q is not anchored", name, l)
			}
		}
	}
}

func TestCheckIsolation(t *testing.T) {
	const outer, inner, pm, im = "net:[1]", "net:[2]", "mnt:[1]", "mnt:[2]"
	lo := []string{"lo"}
	for _, tc := range []struct {
		name                          string
		outer, parent, cur, pmnt, mnt string
		links                         []string
		ok                            bool
	}{
		{"fresh", outer, outer, inner, pm, im, lo, true},
		{"outer unknown", "", "", inner, pm, im, lo, false},
		{"outer garbage", "x", "x", inner, pm, im, lo, false},
		{"parent elsewhere", outer, "net:[9]", inner, pm, im, lo, false},
		{"same netns", outer, outer, outer, pm, im, lo, false},
		{"same mount ns", outer, outer, inner, pm, pm, lo, false},
		{"real interface", outer, outer, inner, pm, im, []string{"eth0", "lo"}, false},
		{"no lo", outer, outer, inner, pm, im, nil, false},
	} {
		err := checkIsolation(tc.outer, tc.parent, tc.cur, tc.pmnt, tc.mnt, tc.links)
		if (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrNotIsolated)) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestSweepTargets(t *testing.T) {
	got := sweepTargets([]string{"net:[5]", "net:[1]", "mnt:[7]", "garbage", "", "net:[6]"}, "net:[1]")
	if len(got) != 2 || !got["net:[5]"] || !got["net:[6]"] {
		t.Errorf("sweepTargets = %v", got)
	}
	if got := sweepTargets([]string{"net:[5]"}, ""); len(got) != 0 {
		t.Errorf("an unknown namespace to keep must disable the sweep, got %v", got)
	}
	if n := sweep(map[string]bool{}, 0); n != 0 {
		t.Errorf("sweep of nothing = %d", n)
	}
}

func TestPlanBuild(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"cmd/tool", "peer", "other/tool"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "peer", "go.mod"), []byte("module peer\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	steps, err := planBuild(root, []string{"./cmd/tool", "./peer", "example.com/x/v2", "example.com/y/cmd/z"})
	if err != nil {
		t.Fatal(err)
	}
	want := []buildStep{
		{"./cmd/tool", root, "./cmd/tool", "tool"},
		{"./peer", filepath.Join(root, "peer"), ".", "peer"},
		{"example.com/x/v2", root, "example.com/x/v2", "x"},
		{"example.com/y/cmd/z", root, "example.com/y/cmd/z", "z"},
	}
	if len(steps) != len(want) {
		t.Fatalf("steps = %+v", steps)
	}
	for i := range want {
		if steps[i] != want[i] {
			t.Errorf("step %d = %+v, want %+v", i, steps[i], want[i])
		}
	}
	for _, bad := range [][]string{
		{"./cmd/tool", "./other/tool"}, // same base name
		{"./missing"},
		{"../outside"},
	} {
		if _, err := planBuild(root, bad); !errors.Is(err, ErrBuild) {
			t.Errorf("planBuild(%v) = %v, want ErrBuild", bad, err)
		}
	}
}

func TestAvahiConfig(t *testing.T) {
	conf, err := avahiConfig("h2", "e2", false, true, []string{"publish-hinfo=yes", "enable-reflector=yes"})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"host-name=h2\n", "allow-interfaces=e2\n", "use-ipv4=no\n", "use-ipv6=yes\n", "publish-hinfo=yes\n", "enable-reflector=yes\n"} {
		if !strings.Contains(conf, want) {
			t.Errorf("config lacks %q:\n%s", want, conf)
		}
	}
	for _, bad := range []string{"no-such-key=1", "publish-hinfo", "=x"} {
		if _, err := avahiConfig("h1", "e1", true, true, []string{bad}); err == nil {
			t.Errorf("setting %q accepted", bad)
		}
	}
}

func TestOptionsValidate(t *testing.T) {
	for _, o := range []Options{{Hosts: -1}, {Hosts: MaxHosts + 1}, {NoIPv4: true, NoIPv6: true}} {
		if err := o.validate(); !errors.Is(err, ErrOptions) {
			t.Errorf("%+v: %v", o, err)
		}
	}
	if err := (Options{}).validate(); err != nil {
		t.Errorf("zero Options: %v", err)
	}
}

func TestInnerLine(t *testing.T) {
	for in, want := range map[string]string{
		"=== RUN   TestX":            "",
		"PASS":                       "",
		"--- PASS: TestX (0.10s)":    "[in namespace] --- PASS: TestX (0.10s)",
		"    --- FAIL: TestX/y (0s)": "[in namespace] --- FAIL: TestX/y (0s)",
		"    x_test.go:12: hello":    "    x_test.go:12: hello",
	} {
		got, keep := innerLine(in)
		if got != want || keep != (want != "") {
			t.Errorf("innerLine(%q) = %q, %v", in, got, keep)
		}
	}
	var b strings.Builder
	w := &innerWriter{w: &b}
	_, _ = w.Write([]byte("a\n=== RUN  T\nb"))
	_, _ = w.Write([]byte("c\n"))
	_, _ = w.Write([]byte("tail"))
	w.flush()
	if b.String() != "a\nbc\ntail\n" {
		t.Errorf("innerWriter wrote %q", b.String())
	}
}

func TestAddressing(t *testing.T) {
	if hostMAC(12) != "02:00:00:00:00:0c" || hostLLA(12).String() != "fe80::ff:fe00:c" ||
		hostULA(254).String() != "fd00:99::fe" || hostIPv4(7).String() != "10.99.0.7" {
		t.Error("addressing plan changed")
	}
	if got := shellQuote("sh", []string{"-c", "echo 'x'", ""}); got != `sh -c 'echo '\''x'\''' ''` {
		t.Errorf("shellQuote = %s", got)
	}
	if got := tail("1\n2\n3\n", 2); got != "[... 1 earlier lines]\n2\n3" {
		t.Errorf("tail = %q", got)
	}
}
