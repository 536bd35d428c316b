package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// printer turns browse events into the chosen output. Without --watch it
// only keeps the current set of instances and prints it, sorted, at the
// end; with --watch it prints every event as it comes.
type printer struct {
	o     *options
	w     io.Writer
	live  bool // a terminal watching in the human format: redraw the table
	jl    *cli.JSONLines
	state map[string]*view
	found int // instances printed or kept
}

func newPrinter(o *options, w io.Writer, terminal bool) *printer {
	return &printer{
		o:     o,
		w:     w,
		live:  o.watch && terminal && !o.json && !o.parseable,
		jl:    cli.NewJSONLines(w),
		state: make(map[string]*view),
	}
}

func (p *printer) handle(ev mdns.BrowseEvent) error {
	v := newView(ev, p.o.globalDomain)
	if ev.Kind == mdns.EventRemove {
		delete(p.state, v.key())
	} else {
		p.state[v.key()] = v
	}
	if !p.o.watch {
		return nil
	}
	p.found++
	switch {
	case p.o.json:
		return p.jl.Write(v.rec)
	case p.o.parseable:
		return p.writeLines(parseableLines(v, p.o.resolve))
	case p.live:
		return p.redraw()
	default:
		return p.writeLines([]string{p.plainLine(v)})
	}
}

// finish prints the instances found by a browse without --watch.
func (p *printer) finish() error {
	if p.o.watch {
		return nil
	}
	views := p.sorted()
	p.found = len(views)
	switch {
	case p.o.json:
		for _, v := range views {
			v.rec.Event = "add"
			if err := p.jl.Write(v.rec); err != nil {
				return err
			}
		}
		return nil
	case p.o.parseable:
		var lines []string
		for _, v := range views {
			v.kind = mdns.EventAdd
			lines = append(lines, parseableLines(v, p.o.resolve)...)
		}
		return p.writeLines(lines)
	}
	_, err := io.WriteString(p.w, p.tables(views))
	return err
}

func (p *printer) writeLines(lines []string) error {
	for _, l := range lines {
		if _, err := io.WriteString(p.w, l+"\n"); err != nil {
			return err
		}
	}
	return nil
}

// sorted returns the current instances by domain, type and name.
func (p *printer) sorted() []*view {
	views := slices.Collect(maps.Values(p.state))
	slices.SortFunc(views, func(a, b *view) int {
		return cmp.Or(
			strings.Compare(a.group(p.o), b.group(p.o)),
			strings.Compare(strings.ToLower(a.entry.Type), strings.ToLower(b.entry.Type)),
			strings.Compare(strings.ToLower(a.entry.Instance), strings.ToLower(b.entry.Instance)),
			strings.Compare(a.entry.Instance, b.entry.Instance),
			strings.Compare(a.entry.Domain, b.entry.Domain),
		)
	})
	return views
}

// tables renders views as one aligned table per domain and service type.
func (p *printer) tables(views []*view) string {
	var b strings.Builder
	for i := 0; i < len(views); {
		g, typ := views[i].group(p.o), strings.ToLower(views[i].entry.Type)
		header := []string{"INSTANCE", "HOST", "PORT", "ADDRESSES", "INTERFACE"}
		if p.o.resolve {
			header = append(header, "TXT")
		}
		rows := [][]string{header}
		j := i
		for ; j < len(views) && views[j].group(p.o) == g && strings.ToLower(views[j].entry.Type) == typ; j++ {
			rows = append(rows, p.row(views[j]))
		}
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s in %s\n", cli.Printable(views[i].entry.Type), cli.Printable(g))
		cli.Table(&b, "  ", rows)
		i = j
	}
	return b.String()
}

func (p *printer) row(v *view) []string {
	r := []string{v.entry.Instance, v.entry.Host, strconv.Itoa(int(v.entry.Port)), strings.Join(v.rec.Addrs, " "), v.rec.Interface}
	if p.o.resolve {
		r = append(r, txtSummary(v))
	}
	return r
}

// txtSummary shows the TXT attributes as avahi-browse -r does, without
// the quotes: key=value, bare keys, \DDD for unprintable bytes.
func txtSummary(v *view) string {
	parts := make([]string, len(v.attrs))
	for i, a := range v.attrs {
		parts[i] = a.String()
	}
	return strings.Join(parts, " ")
}

// redraw repaints the live view of a --watch on a terminal.
func (p *printer) redraw() error {
	views := p.sorted()
	what := "every service type"
	if len(p.o.services) > 0 {
		what = strings.Join(p.o.services, ", ")
	}
	var b strings.Builder
	b.WriteString(cli.ClearScreen)
	fmt.Fprintf(&b, "watching %s in %s: %d instance(s); Ctrl-C to stop\n\n", what, joinDomains(p.o.browseDomains()), len(views))
	b.WriteString(p.tables(views))
	_, err := io.WriteString(p.w, b.String())
	return err
}

// plainLine is one --watch event for a pipe: tab-separated fields.
func (p *printer) plainLine(v *view) string {
	f := []string{v.kind.String(), v.entry.Instance, v.entry.Type, v.group(p.o), v.entry.Host, strconv.Itoa(int(v.entry.Port)), strings.Join(v.rec.Addrs, " "), v.rec.Interface}
	if p.o.resolve {
		f = append(f, txtSummary(v))
	}
	for i := range f {
		f[i] = cli.Printable(f[i])
	}
	return strings.Join(f, "\t")
}
