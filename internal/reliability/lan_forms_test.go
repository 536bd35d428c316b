package reliability

import (
	"os"
	"slices"
	"strings"
	"testing"
)

// fullRun decides between a LAN scenario's two forms. Named in
// MDNS_RELIABILITY (by its script in scripts/), it is the full
// measurement run, whose defaults are the figures; otherwise it
// is the short form that every `go test` runs — the same harness and
// the same thresholds on a shorter, gentler run — so that CI exercises
// the scenario instead of skipping it. -short skips both; where
// namespaces cannot be made, testlan skips (or fails under
// MDNS_REQUIRE_LAN=1).
func fullRun(t *testing.T, name string) bool {
	t.Helper()
	if testing.Short() {
		t.Skipf("a LAN scenario (%s): not with -short", name)
	}
	list := strings.Split(os.Getenv(envScenarios), ",")
	return slices.Contains(list, name) || slices.Contains(list, "all")
}

// pick returns full in the full run, short in the short form.
func pick[T any](isFull bool, full, short T) T {
	if isFull {
		return full
	}
	return short
}
