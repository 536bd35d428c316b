package main

import (
	"os"
	"runtime"
	"strconv"
	"strings"
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
	return procSample{RSSKB: vmRSS(), HeapKB: ms.HeapAlloc >> 10, Goroutines: runtime.NumGoroutine(), CPUSeconds: cpuSeconds()}
}

// vmRSS is this process's resident memory in kB (0 where /proc is not).
func vmRSS() int {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	return 0
}

// cpuSeconds is utime + stime of this process from /proc/self/stat, in
// seconds (USER_HZ is 100 on Linux).
func cpuSeconds() float64 {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name may hold spaces: fields count from its ")".
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	k, _ := strconv.ParseFloat(f[12], 64)
	return (u + k) / 100
}
