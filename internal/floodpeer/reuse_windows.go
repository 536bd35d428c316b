package main

import "syscall"

// reuseAddr shares port 5353 with the host's other mDNS sockets.
func reuseAddr(fd uintptr) error {
	return syscall.SetsockoptInt(syscall.Handle(fd), syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
}
