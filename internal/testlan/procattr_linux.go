//go:build linux

package testlan

import "syscall"

// childAttr makes the kernel kill a child when the process that started it
// dies, so a test binary killed by a timeout leaves no daemon behind.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
