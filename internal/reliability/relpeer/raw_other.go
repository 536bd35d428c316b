//go:build !linux

package main

import (
	"errors"
	"net/netip"
)

// The flood writes spoofed IPv4 packets through a Linux raw socket; the
// harness that runs it (internal/testlan) is Linux-only too.
var errNoRaw = errors.New("flood needs Linux (raw IPv4 socket)")

func openRaw(int) (int, error)              { return -1, errNoRaw }
func sendRaw(int, netip.Addr, []byte) error { return errNoRaw }
func closeRaw(int)                          {}
