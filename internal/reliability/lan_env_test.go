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

// The long LAN runs are driven by the scripts in scripts/ through the
// environment (testlan re-executes the test binary inside its
// namespaces with the environment, not with flags):
//
//	MDNS_RELIABILITY=lossy,churn,...  the scenarios to run ("all": every one)
//	MDNS_REL_<NAME>=VALUE             a scenario's parameters (durations,
//	                                  loss, thresholds); see each test
//	MDNS_REL_FIGURES=FILE             append each scenario's figures as a JSON line
const (
	envScenarios = "MDNS_RELIABILITY"
	envFigures   = "MDNS_REL_FIGURES"
)

// scenario skips t unless MDNS_RELIABILITY names it. It is for the
// measurement runs only; the protocol's properties are tested on every
// `go test` on the virtual clock (sim_*_test.go), and the soak runs there
// in its 2-minute form.
func scenario(t *testing.T, name string) {
	t.Helper()
	list := strings.Split(os.Getenv(envScenarios), ",")
	if !slices.Contains(list, name) && !slices.Contains(list, "all") {
		t.Skipf("a measurement run: set %s=%s (scripts/%s.sh)", envScenarios, name, name)
	}
}

// param reads MDNS_REL_<name>, or def.
func param(name, def string) string {
	if v := os.Getenv("MDNS_REL_" + name); v != "" {
		return v
	}
	return def
}

func paramDuration(t *testing.T, name string, def time.Duration) time.Duration {
	t.Helper()
	d, err := time.ParseDuration(param(name, def.String()))
	if err != nil {
		t.Fatalf("MDNS_REL_%s: %v", name, err)
	}
	return d
}

func paramInt(t *testing.T, name string, def int) int {
	t.Helper()
	n, err := strconv.Atoi(param(name, strconv.Itoa(def)))
	if err != nil {
		t.Fatalf("MDNS_REL_%s: %v", name, err)
	}
	return n
}

// figures appends one scenario's measurements to MDNS_REL_FIGURES as a
// JSON line (and logs them), for RELIABILITY.md.
func figures(t *testing.T, scenario string, fig map[string]any) {
	t.Helper()
	fig["scenario"] = scenario
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
