//go:build !linux

package mdns

import "context"

// WatchInterfaces polls the interfaces every few seconds and calls changed
// when they differ.
func (n sysNetwork) WatchInterfaces(ctx context.Context, changed func()) error {
	return sysPoll(ctx, n, sysPollInterval, changed)
}
