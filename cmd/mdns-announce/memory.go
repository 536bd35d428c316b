package main

import (
	"os"
	"runtime/debug"
)

// responderGCPercent is the GC target of a running announcer. Its live
// heap is small and long-lived (the records it publishes, a few hundred
// bytes per service) while every answered query leaves some garbage; at
// Go's default of 100 the heap grows to the runtime's 4 MB minimum goal
// between collections, at 25 to 1 MB. Collecting a heap that small takes
// microseconds, so the CPU cost of the lower target does not show next
// to a query's (BENCH.md, legacy unicast load). On a device, 3 MB is a
// third of the memory budget.
const responderGCPercent = 25

// tuneMemory sets the announcer's GC target unless GOGC in the
// environment says otherwise (GOMEMLIMIT applies on top of either).
func tuneMemory() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(responderGCPercent)
	}
}
