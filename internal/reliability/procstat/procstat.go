// Package procstat reads what a process costs from Linux's /proc: its
// resident memory and CPU time. The reliability harness reads its peers'
// (they share its PID namespace) and relpeer its own. Where /proc is
// missing, the figures are 0.
package procstat

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Self is the pid that means the calling process.
const Self = 0

func path(pid int, file string) string {
	if pid == Self {
		return "/proc/self/" + file
	}
	return fmt.Sprintf("/proc/%d/%s", pid, file)
}

// RSSKB is the process's VmRSS in kB.
func RSSKB(pid int) int {
	b, err := os.ReadFile(path(pid, "status"))
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

// CPUSeconds is the process's user + system time, in seconds (USER_HZ
// is 100 on Linux).
func CPUSeconds(pid int) float64 {
	b, err := os.ReadFile(path(pid, "stat"))
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
