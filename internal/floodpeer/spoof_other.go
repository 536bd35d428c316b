//go:build !linux

package main

import (
	"errors"
	"net/netip"
)

// Forged sources need a Linux raw socket; the LAN tests that use them
// (internal/testlan) run on Linux only.
func spoofSender(string, netip.Prefix) (func([]byte) error, func() error, error) {
	return nil, nil, errors.New("-spoof needs Linux (raw IPv4 socket)")
}
