package etcdtest

import "syscall"

// procAttr makes etcd die with the test process.
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
