// Package cli is the plumbing shared by mdns-announce and mdns-browse:
// exit codes, signal handling with a second-interrupt escape, hand-written
// usage and error reporting on stderr, JSON Lines on stdout, terminal
// detection, aligned tables and repeatable flags for pflag.
//
// It imports nothing of mdnskit (a test enforces it), so that everything
// about mDNS stays in the commands and the libraries they call.
//
// # Conventions
//
// stdout carries only data: the lines a script reads. Everything else —
// errors, warnings, hints, progress — goes to stderr, prefixed with the
// program's name ("mdns-browse: ..."), lower case, with an optional
// "mdns-browse: hint: ..." line after it (the age convention).
package cli
