package cli

import (
	"errors"
	"fmt"
	"io"
	"syscall"
)

// A Hint explains how to get past an error: Match says whether it
// applies (usually errors.Is), Text is shown after the error.
type Hint struct {
	Match func(error) bool
	Text  string
}

// Errorf prints "name: message" on w.
func Errorf(w io.Writer, name, format string, args ...any) {
	fmt.Fprintf(w, "%s: %s\n", name, fmt.Sprintf(format, args...))
}

// Report prints err as "name: err", followed by "name: hint: ..." for the
// first hint that matches it.
func Report(w io.Writer, name string, err error, hints ...Hint) {
	Errorf(w, name, "%v", err)
	for _, h := range hints {
		if h.Match(err) {
			Errorf(w, name, "hint: %s", h.Text)
			return
		}
	}
}

// Is returns a Hint matcher for errors.Is(err, target).
func Is(target error) func(error) bool {
	return func(err error) bool { return errors.Is(err, target) }
}

// SocketHints explain the errors people meet first when a command opens
// the mDNS sockets. noInterface is the library's "no usable interface"
// sentinel; named says whether the user chose interfaces with --interface.
func SocketHints(noInterface error, named bool) []Hint {
	noIf := "name an interface with --interface, or check that one is up with an address"
	if named {
		noIf = "check with 'ip addr' that the interface is up, multicast-capable and has an address"
	}
	return []Hint{
		{Match: Is(noInterface), Text: noIf},
		{Match: Is(syscall.EADDRINUSE), Text: "another program holds UDP port 5353 without sharing it; stop it, or run where it does not"},
		{Match: func(err error) bool { return errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM) },
			Text: "opening UDP port 5353 was refused; check the firewall or security policy (SELinux, AppArmor, a container's capabilities)"},
	}
}

// MachineLocalNote is the note both commands print on stderr when they
// can only serve the loopback interface.
const MachineLocalNote = "note: no network interface is up; using loopback, so only programs on this machine are seen"
