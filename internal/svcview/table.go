package svcview

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mdnskit/mdnskit/internal/cli"
)

// Tables renders views, sorted by group and type, as one aligned table per
// group (the domain they are listed under, from group) and service type,
// with a TXT column when resolve is set.
func Tables(views []*View, resolve bool, group func(*View) string) string {
	var b strings.Builder
	for i := 0; i < len(views); {
		g, typ := group(views[i]), strings.ToLower(views[i].Entry.Type)
		header := []string{"INSTANCE", "HOST", "PORT", "ADDRESSES", "INTERFACE"}
		if resolve {
			header = append(header, "TXT")
		}
		rows := [][]string{header}
		j := i
		for ; j < len(views) && group(views[j]) == g && strings.ToLower(views[j].Entry.Type) == typ; j++ {
			rows = append(rows, Row(views[j], resolve))
		}
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s in %s\n", cli.Printable(views[i].Entry.Type), cli.Printable(g))
		cli.Table(&b, "  ", rows)
		i = j
	}
	return b.String()
}

// Row is one instance's row of a table.
func Row(v *View, resolve bool) []string {
	r := []string{v.Entry.Instance, v.Entry.Host, strconv.Itoa(int(v.Entry.Port)), strings.Join(v.Rec.Addrs, " "), v.Rec.Interface}
	if resolve {
		r = append(r, TXTSummary(v))
	}
	return r
}

// TXTSummary shows the TXT attributes as avahi-browse -r does, without
// the quotes: key=value, bare keys, \DDD for unprintable bytes.
func TXTSummary(v *View) string {
	parts := make([]string, len(v.Attrs))
	for i, a := range v.Attrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, " ")
}
