//go:build unix && !linux && !solaris

package mdns

import "golang.org/x/sys/unix"

func sysReusePort() (level, opt int, ok bool) { return unix.SOL_SOCKET, unix.SO_REUSEPORT, true }
