package cli

import (
	"io"
	"os"
)

// IsTerminal reports whether w is a character device (a terminal), so
// that a command can choose a live, redrawn view for people and plain
// lines for pipes and files. It needs no dependency: a terminal is a
// character device, a pipe or a file is not.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// ANSI sequences for a live view: move the cursor home and clear the
// screen below it.
const ClearScreen = "\x1b[H\x1b[J"
