//go:build unix && !solaris && !linux

package mdns

import "golang.org/x/sys/unix"

// sysSetReusePort: macOS and the BSDs share a multicast port only between
// sockets that all set SO_REUSEPORT, as mDNSResponder does.
func sysSetReusePort(s int) error {
	return unix.SetsockoptInt(s, unix.SOL_SOCKET, unix.SO_REUSEPORT, 1)
}
