package cli

import (
	"fmt"
	"io"
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
