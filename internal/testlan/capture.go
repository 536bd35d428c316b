package testlan

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// settle waits until the file at path has not grown for quiet (at most
// max). libpcap hands packets to dumpcap in blocks retired every 250 ms,
// and a block not yet retired when tshark stops is lost.
func settle(path string, quiet, max time.Duration) {
	size := int64(-1)
	last := time.Now()
	for end := last.Add(max); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		fi, err := os.Stat(path)
		if err == nil && fi.Size() != size {
			size, last = fi.Size(), time.Now()
		}
		if time.Since(last) >= quiet {
			return
		}
	}
}

// Capture records 'udp port 5353' on br0 (every host's traffic; br1 too
// with Options.SecondLink) with
// dumpcap (tshark's capture engine, which starts much faster than tshark
// itself on a loaded machine) or else tshark into LogDir()/NAME.pcapng. stop ends the capture (letting
// in-flight packets land first) and returns the file's path; it is also
// called when t ends. Without tshark the test skips (fails under
// MDNS_REQUIRE_LAN=1).
func (l *LAN) Capture(t *testing.T, name string) (stop func() string) {
	t.Helper()
	tool := "dumpcap"
	if _, err := exec.LookPath(tool); err != nil {
		tool = "tshark"
		needTools(t, "Capture", tool)
	}
	path := filepath.Join(l.logDir, safeName(name)+".pcapng")
	_ = os.Remove(path)
	// The capture runs in the bridge namespace (this process's), on br0
	// (and br1 with Options.SecondLink).
	args := []string{"-n", "-q", "-i", "br0"}
	if l.router != nil {
		args = append(args, "-i", "br1")
	}
	cmd := exec.Command(tool, append(args, "-f", "udp port 5353", "-w", path)...)
	cmd.SysProcAttr = childAttr()
	p, err := l.startProc(t, "br0", tool+"-"+safeName(name), cmd, 5*time.Second)
	if err != nil {
		t.Fatalf("testlan: start %s: %v", tool, err)
	}
	// tshark says "Capturing on" before dumpcap has the interface open;
	// dumpcap writes the file header only after that. Packets sent before
	// are lost, so wait for the header, plus a margin as netlab's lan.sh.
	started := waitFor(20*time.Second, p, func() bool {
		fi, err := os.Stat(path)
		return err == nil && fi.Size() > 0
	})
	if !started || !p.WaitOutput(5*time.Second, "Capturing on") {
		p.showTail(t)
		t.Fatalf("testlan: %s did not start capturing", tool)
	}
	time.Sleep(200 * time.Millisecond)
	var once sync.Once
	stop = func() string {
		once.Do(func() {
			settle(path, 600*time.Millisecond, 5*time.Second)
			_ = p.Stop(os.Interrupt, 5*time.Second)
		})
		return path
	}
	t.Cleanup(func() { stop() })
	return stop
}
