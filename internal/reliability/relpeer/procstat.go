package main

import (
	"runtime"

	"github.com/mdnskit/mdnskit/internal/reliability/procstat"
)

// procSample is what the process costs now. HeapKB is the live heap: it
// is read right after a garbage collection, so that two samples compare
// what the process holds, not when the collector last ran.
type procSample struct {
	RSSKB      int     `json:"rssKB"`
	HeapKB     uint64  `json:"heapKB"`
	Goroutines int     `json:"goroutines"`
	CPUSeconds float64 `json:"cpuSeconds"` // user + system since start
}

func sampleProc() procSample {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return procSample{RSSKB: procstat.RSSKB(procstat.Self), HeapKB: ms.HeapAlloc >> 10, Goroutines: runtime.NumGoroutine(),
		CPUSeconds: procstat.CPUSeconds(procstat.Self)}
}
