package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"
)

// Strings is a repeatable flag that keeps every value in order. Several
// flags may share one Strings (--txt and its alias --meta), and values are
// never split on commas (a TXT value may hold one).
type Strings struct{ Values *[]string }

func (s Strings) String() string {
	if s.Values == nil {
		return ""
	}
	return strings.Join(*s.Values, " ")
}

// Set appends v.
func (s Strings) Set(v string) error {
	*s.Values = append(*s.Values, v)
	return nil
}

// Type names the value in pflag's messages.
func (s Strings) Type() string { return "value" }

// NewFlagSet returns a pflag set that reports errors instead of exiting
// and prints nothing by itself: Parse does the talking.
func NewFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.SortFlags = false
	return fs
}

// Parse defines --version on fs and parses args. For --help it prints
// usage on stdout (the user asked for it: it is the output) and returns
// ExitOK, for --version the version line; for a bad flag it prints the
// error and a pointer to --help on stderr and returns ExitUsage. ok is
// true when the command should go on.
func Parse(fs *pflag.FlagSet, args []string, usage string, stdout, stderr io.Writer) (code int, ok bool) {
	version := fs.Bool("version", false, "")
	err := fs.Parse(args)
	switch {
	case err == nil && *version:
		fmt.Fprint(stdout, VersionLine(fs.Name()))
		return ExitOK, false
	case err == nil:
		return ExitOK, true
	case errors.Is(err, pflag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return ExitOK, false
	default:
		return Usagef(stderr, fs.Name(), "%v", err), false
	}
}

// Usagef reports a usage error on w, with a pointer to --help, and returns
// ExitUsage.
func Usagef(w io.Writer, name, format string, args ...any) int {
	Errorf(w, name, format, args...)
	Errorf(w, name, "hint: see '%s --help'", name)
	return ExitUsage
}
