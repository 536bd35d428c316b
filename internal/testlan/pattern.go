package testlan

import (
	"regexp"
	"strings"
)

// runPattern is the -test.run value that selects exactly the test called
// name (t.Name(), subtests included): the testing package splits both the
// pattern and the name at '/' and matches level by level, so each level is
// quoted and anchored on its own.
func runPattern(name string) string {
	parts := strings.Split(name, "/")
	for i, p := range parts {
		parts[i] = "^" + regexp.QuoteMeta(p) + "$"
	}
	return strings.Join(parts, "/")
}
