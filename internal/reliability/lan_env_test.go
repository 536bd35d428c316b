package reliability

import (
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Every LAN scenario has two forms. Its short form runs in every plain
// `go test` (skipped only with -short, or where testlan cannot make its
// namespaces), with small fixed parameters and the same thresholds, so CI
// runs the scenario rather than skipping it. Its full form is the
// measurement run of RELIABILITY.md, driven by the scripts in scripts/
// through the environment (testlan re-executes the test binary inside its
// namespaces with the environment, not with flags):
//
//	MDNS_RELIABILITY=lossy,churn,...  the scenarios to run in full ("all": every one)
//	MDNS_REL_<NAME>=VALUE             a full run's parameters (durations,
//	                                  loss, thresholds); see each test
//	MDNS_REL_FIGURES=FILE             append each scenario's figures as a JSON line
//
// A short form ignores MDNS_REL_<NAME>: CI's runs do not depend on what
// the environment happens to hold.
const (
	envScenarios = "MDNS_RELIABILITY"
	envFigures   = "MDNS_REL_FIGURES"
)

// runForm is the form a scenario runs in, and its parameters.
type runForm struct {
	t    *testing.T
	full bool
}

// scenario says which form of the scenario name runs: the full one when
// MDNS_RELIABILITY names it, else the short one (skipped with -short).
func scenario(t *testing.T, name string) *runForm {
	t.Helper()
	list := strings.Split(os.Getenv(envScenarios), ",")
	if slices.Contains(list, name) || slices.Contains(list, "all") {
		t.Logf("%s: full measurement run", name)
		return &runForm{t: t, full: true}
	}
	if testing.Short() {
		t.Skipf("a LAN scenario (its short form takes minutes); without -short it runs, and %s=%s runs it in full (scripts/%s.sh)", envScenarios, name, name)
	}
	t.Logf("%s: short form (%s=%s for the full run, scripts/%s.sh)", name, envScenarios, name, name)
	return &runForm{t: t}
}

// param reads MDNS_REL_<name> in a full run (def where unset); a short
// form takes short and logs an ignored setting.
func (f *runForm) param(name, short, def string) string {
	f.t.Helper()
	v := os.Getenv("MDNS_REL_" + name)
	switch {
	case !f.full:
		if v != "" {
			f.t.Logf("MDNS_REL_%s=%s ignored: this is the short form", name, v)
		}
		return short
	case v != "":
		return v
	}
	return def
}

// duration is a duration parameter: its short-form value, its full-run default.
func (f *runForm) duration(name string, short, def time.Duration) time.Duration {
	f.t.Helper()
	d, err := time.ParseDuration(f.param(name, short.String(), def.String()))
	if err != nil {
		f.t.Fatalf("MDNS_REL_%s: %v", name, err)
	}
	return d
}

// int is an integer parameter: its short-form value, its full-run default.
func (f *runForm) int(name string, short, def int) int {
	f.t.Helper()
	n, err := strconv.Atoi(f.param(name, strconv.Itoa(short), strconv.Itoa(def)))
	if err != nil {
		f.t.Fatalf("MDNS_REL_%s: %v", name, err)
	}
	return n
}

// figures appends one scenario's measurements to MDNS_REL_FIGURES as a
// JSON line (and logs them), for RELIABILITY.md.
func figures(t *testing.T, form *runForm, scenario string, fig map[string]any) {
	t.Helper()
	fig["scenario"] = scenario
	fig["full"] = form.full
	fig["date"] = time.Now().UTC().Format(time.RFC3339)
	b, err := json.Marshal(fig)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("figures: %s", b)
	path := os.Getenv(envFigures)
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
}

// ms rounds a duration to milliseconds, for figures.
func ms(d time.Duration) float64 { return float64(d.Round(time.Millisecond)) / 1e6 }
