//go:build !linux

package testlan

import (
	"runtime"
	"testing"
)

const envPrefix = "MDNS_TESTLAN_"

// EnvOut names a directory where logs and captures are kept.
const EnvOut = "MDNS_LAN_OUT"

// InNamespace reports whether this process is an inner process of Run or
// Loopback; never outside Linux.
func InNamespace() bool { return false }

// Run skips (or fails, with MDNS_REQUIRE_LAN=1): network namespaces are
// Linux only.
func Run(t *testing.T, opts Options, fn func(t *testing.T, lan *LAN)) {
	t.Helper()
	if err := opts.validate(); err != nil {
		t.Fatal(err)
	}
	SkipOrFail(t, "%s", prereqs(kindLAN, runtime.GOOS, -1, nil))
}

// Loopback skips (or fails, with MDNS_REQUIRE_LAN=1): network namespaces
// are Linux only.
func Loopback(t *testing.T, fn func(t *testing.T)) {
	t.Helper()
	SkipOrFail(t, "%s", prereqs(kindLoopback, runtime.GOOS, -1, nil))
}
