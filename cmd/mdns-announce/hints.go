package main

import (
	"errors"
	"syscall"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// hints explain the errors people meet first.
func hints(interfaces []string) []cli.Hint {
	noIf := "name an interface with --interface, or check that one is up with an address"
	if len(interfaces) > 0 {
		noIf = "check with 'ip addr' that the interface is up, multicast-capable and has an address"
	}
	return []cli.Hint{
		{Match: is(mdns.ErrNoInterface), Text: noIf},
		{Match: is(syscall.EADDRINUSE), Text: "another program holds UDP port 5353 without sharing it; stop it, or run where it does not"},
		{Match: func(err error) bool { return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) }, Text: "opening UDP port 5353 was refused; check the firewall or security policy (SELinux, AppArmor, a container's capabilities)"},
		{Match: is(mdns.ErrNameConflict), Text: "another host on the link uses this name; choose another --instance (a plain service without --no-rename would become \"Name (2)\")"},
	}
}

func is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}
