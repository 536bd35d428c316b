//go:build !linux

package mdns

import (
	"fmt"
	"net"
)

// sysLookupInterface finds the full description of interface ifIndex,
// needed where a socket option takes an interface address.
func sysLookupInterface(ifIndex int) (*net.Interface, error) {
	if ifIndex <= 0 {
		return nil, fmt.Errorf("%w: index %d", sysErrNoInterface, ifIndex)
	}
	ifi, err := net.InterfaceByIndex(ifIndex)
	if err != nil {
		// Gone already: the index alone still lets the kernel drop the
		// membership where the option takes an index.
		return &net.Interface{Index: ifIndex}, nil
	}
	return ifi, nil
}
