package cli

import (
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// Table writes rows as aligned columns separated by two spaces, with the
// first row as a header. Cells are made printable first (see Printable),
// so a hostile name cannot move the cursor or break the alignment.
func Table(w io.Writer, indent string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = Printable(c)
		}
		// tabwriter counts UTF-8 runes, not bytes, so names in any
		// script line up as long as their characters are one cell wide.
		if _, err := io.WriteString(tw, indent+strings.TrimRight(strings.Join(cells, "\t"), "\t")+"\n"); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// Printable returns s with control characters, tabs and invalid UTF-8
// replaced by \DDD (decimal, the DNS presentation escape), so that text
// from the network is safe to put on a terminal.
func Printable(s string) string {
	clean := true
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError || (r >= 0x80 && r < 0xa0) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r < 0x20 || r == 0x7f || (r == utf8.RuneError && n == 1) || (r >= 0x80 && r < 0xa0) {
			for _, c := range []byte(s[i : i+n]) {
				b.WriteByte('\\')
				b.WriteByte('0' + c/100)
				b.WriteByte('0' + c/10%10)
				b.WriteByte('0' + c%10)
			}
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}
