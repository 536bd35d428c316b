package testlan

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// Proc is a background process started by Host.Start (or a capture).
type Proc struct {
	name    string // for messages: "h1 avahi-daemon"
	cmd     *exec.Cmd
	logPath string
	grace   time.Duration
	done    chan struct{}
	err     error // set before done is closed

	shownMu sync.Mutex
	shown   bool
}

// startProc starts cmd with its output in a fresh log file and registers
// it for cleanup on t and for the LAN's teardown.
func (l *LAN) startProc(t *testing.T, host, base string, cmd *exec.Cmd, grace time.Duration) (*Proc, error) {
	p := &Proc{name: host + " " + base, cmd: cmd, logPath: l.newLogPath(host, base), grace: grace, done: make(chan struct{})}
	f, err := os.Create(p.logPath)
	if err != nil {
		return nil, fmt.Errorf("testlan: %w", err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Start()
	_ = f.Close() // the child has its own copy
	if err != nil {
		return nil, fmt.Errorf("testlan: %w", err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	l.addProc(p)
	t.Cleanup(func() {
		_ = p.Stop(sigTerm, p.grace)
		if t.Failed() {
			p.showTail(t)
		}
	})
	return p, nil
}

// Pid is the process id of the command itself.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// Signal sends sig; it returns os.ErrProcessDone once the process exited.
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Exited reports whether the process has exited.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop sends sig, waits up to grace for the process to exit, then kills it.
// It returns the process's exit error (e.g. "signal: terminated"). Calling
// it again returns the same result.
func (p *Proc) Stop(sig os.Signal, grace time.Duration) error {
	if p.Exited() {
		return p.err
	}
	_ = p.Signal(sig)
	if err := p.Wait(grace); err == nil || p.Exited() {
		return p.err
	}
	_ = p.cmd.Process.Kill()
	if err := p.Wait(5 * time.Second); err != nil && !p.Exited() {
		return fmt.Errorf("testlan: %s (pid %d) survived SIGKILL: %w", p.name, p.Pid(), err)
	}
	return p.err
}

// Wait waits up to timeout for the process to exit and returns its exit
// error, or an error wrapping ErrTimeout.
func (p *Proc) Wait(timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.err
	case <-timer.C:
		return fmt.Errorf("%w: %s (pid %d) still running after %v", ErrTimeout, p.name, p.Pid(), timeout)
	}
}

// Output is the log so far: stdout and stderr interleaved as written.
func (p *Proc) Output() string {
	b, err := os.ReadFile(p.logPath)
	if err != nil {
		return fmt.Sprintf("[testlan: %v]", err)
	}
	return string(b)
}

// LogPath is the file holding the process's output.
func (p *Proc) LogPath() string { return p.logPath }

// WaitOutput polls the log until it contains substr (true), or until
// timeout passes or the process exits without writing it (false).
func (p *Proc) WaitOutput(timeout time.Duration, substr string) bool {
	deadline := time.Now().Add(timeout)
	for {
		exited := p.Exited() // before reading: output written before exit is seen
		if strings.Contains(p.Output(), substr) {
			return true
		}
		if exited || time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// showTail logs the end of the process's log once.
func (p *Proc) showTail(t testing.TB) {
	p.shownMu.Lock()
	defer p.shownMu.Unlock()
	if p.shown {
		return
	}
	p.shown = true
	status := "running"
	if p.Exited() {
		status = fmt.Sprint("exit: ", p.err)
	}
	t.Logf("--- log of %s (pid %d, %s), %s:\n%s", p.name, p.Pid(), status, p.logPath, tail(p.Output(), 40))
}
