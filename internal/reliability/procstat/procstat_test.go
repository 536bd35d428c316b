package procstat

import (
	"runtime"
	"testing"
)

// The test process has resident memory and, after some work, CPU time; a
// pid that cannot exist has neither.
func TestSelf(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	x := 0
	for i := range 50_000_000 {
		x += i % 7
	}
	if RSSKB(Self) <= 0 || CPUSeconds(Self) <= 0 {
		t.Errorf("self: RSS %d kB, CPU %v s (x=%d)", RSSKB(Self), CPUSeconds(Self), x)
	}
	if RSSKB(1<<30) != 0 || CPUSeconds(1<<30) != 0 {
		t.Error("a pid that cannot exist has figures")
	}
}
