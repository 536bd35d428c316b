package cli

import (
	"runtime"
	"runtime/debug"
)

// Version is the main module's version from the build information
// ("v1.2.3" for `go install ...@v1.2.3`), or "devel" for a build from a
// source tree.
func Version() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" || bi.Main.Version == "(devel)" {
		return "devel"
	}
	return bi.Main.Version
}

// VersionLine is what --version prints: "name version (go1.26.0)".
func VersionLine(name string) string {
	return name + " " + Version() + " (" + runtime.Version() + ")\n"
}
