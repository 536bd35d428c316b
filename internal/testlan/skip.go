package testlan

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// EnvRequire names the variable that turns every skip of this package into
// a failure when set to "1" (CI sets it so LAN tests cannot silently skip).
const EnvRequire = "MDNS_REQUIRE_LAN"

// SkipOrFail skips t with the formatted reason, or fails it when
// MDNS_REQUIRE_LAN=1. Tests use it for their own prerequisites (e.g. a peer
// that is not installed) so CI treats them like the harness's own.
func SkipOrFail(t testing.TB, format string, args ...any) {
	t.Helper()
	reason := fmt.Sprintf(format, args...)
	if required(os.Getenv) {
		t.Fatalf("%s (%s=1, so this is a failure)", reason, EnvRequire)
	}
	noteSkip(reason)
	t.Skip(reason)
}

func required(getenv func(string) string) bool { return getenv(EnvRequire) == "1" }

type kind int

const (
	kindLAN kind = iota
	kindLoopback
)

// prereqs returns why a LAN (or loopback namespace) cannot be made here,
// or "" if it can. goos, euid and lookPath are parameters so the logic is
// testable without root.
func prereqs(k kind, goos string, euid int, lookPath func(string) (string, error)) string {
	if goos != "linux" {
		return fmt.Sprintf("testlan: network namespaces need Linux (GOOS=%s)", goos)
	}
	if euid != 0 {
		return fmt.Sprintf("testlan: creating network namespaces needs root (euid %d)", euid)
	}
	tools := []string{"ip"}
	if k == kindLAN {
		tools = append(tools, "unshare")
	}
	for _, tool := range tools {
		if _, err := lookPath(tool); err != nil {
			return fmt.Sprintf("testlan: %q not found (install iproute2 / util-linux): %v", tool, err)
		}
	}
	return ""
}

// needTools skips (or fails) t unless every tool is on PATH.
func needTools(t testing.TB, what string, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			SkipOrFail(t, "testlan: %s needs %q, not found: %v", what, tool, err)
		}
	}
}

// NeedTools skips t (or fails it under MDNS_REQUIRE_LAN=1) unless every
// tool is on PATH: for tests that run more than the harness itself needs
// (nft, tcpdump, ...).
func NeedTools(t testing.TB, tools ...string) {
	t.Helper()
	needTools(t, t.Name(), tools...)
}
