package testlan

import (
	"bytes"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// sweepTargets drops every entry that is malformed or names a namespace
// that must never be swept (the outer one): a bad list must not turn the
// sweep against the machine's own processes.
func sweepTargets(list []string, keep ...string) map[string]bool {
	out := make(map[string]bool)
	for _, l := range list {
		if !nsLinkRE.MatchString(l) || l[:4] != "net:" {
			continue
		}
		bad := false
		for _, k := range keep {
			bad = bad || k == "" || l == k
		}
		if !bad {
			out[l] = true
		}
	}
	return out
}

// victims lists the processes (other than this one and pid 1) whose
// network namespace is in targets and, if bornBefore > 0, that started
// before that time (seconds since boot).
func victims(targets map[string]bool, bornBefore float64) []int {
	if len(targets) == 0 {
		return nil
	}
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	self := os.Getpid()
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == self || pid <= 1 {
			continue
		}
		l, err := os.Readlink("/proc/" + e.Name() + "/ns/net")
		if err != nil || !targets[l] {
			continue
		}
		if bornBefore > 0 {
			if st, ok := startTime(pid); !ok || st > bornBefore+0.05 {
				continue
			}
		}
		pids = append(pids, pid)
	}
	return pids
}

// sweep terminates every process living in one of the target network
// namespaces, identified through /proc, never by name: SIGTERM, a grace
// period, then SIGKILL. It returns how many processes it found.
func sweep(targets map[string]bool, grace time.Duration) int {
	return sweepBornBefore(targets, 0, grace)
}

// sweepBornBefore is sweep limited to processes older than bornBefore
// (seconds since boot). The outer process sweeps after the inner one has
// exited; by then a namespace that died may have had its inode number
// reused by a newer namespace (another test's), whose processes are all
// younger.
func sweepBornBefore(targets map[string]bool, bornBefore float64, grace time.Duration) int {
	found := victims(targets, bornBefore)
	if len(found) == 0 {
		return 0
	}
	for _, step := range []struct {
		sig   syscall.Signal
		pause time.Duration
	}{{syscall.SIGTERM, grace}, {syscall.SIGKILL, time.Second}} {
		v := victims(targets, bornBefore)
		if len(v) == 0 {
			break
		}
		for _, pid := range v {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Signal(step.sig)
				_ = p.Release()
			}
		}
		for end := time.Now().Add(step.pause); time.Now().Before(end) && len(victims(targets, bornBefore)) > 0; {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return len(found)
}

// uptime is the seconds since boot (0 if unknown).
func uptime() float64 {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		return 0
	}
	f, _ := strconv.ParseFloat(strings.Fields(string(b) + " 0")[0], 64)
	return f
}

// startTime is when pid started, in seconds since boot (USER_HZ is 100 on
// every Linux architecture Go supports).
func startTime(pid int) (float64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// Fields after the command name, which may hold spaces and ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, false
	}
	ticks, err := strconv.ParseUint(f[19], 10, 64)
	return float64(ticks) / 100, err == nil
}
