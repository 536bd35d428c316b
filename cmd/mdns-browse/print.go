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
	"github.com/mdnskit/mdnskit/internal/svcview"
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
	state map[string]*svcview.View
	found int // instances printed or kept
}

func newPrinter(o *options, w io.Writer, terminal bool) *printer {
	return &printer{
		o:     o,
		w:     w,
		live:  o.watch && terminal && !o.json && !o.parseable,
		jl:    cli.NewJSONLines(w),
		state: make(map[string]*svcview.View),
	}
}

func (p *printer) handle(ev mdns.BrowseEvent) error {
	v := svcview.NewView(ev, p.o.globalDomain)
	if ev.Kind == mdns.EventRemove {
		delete(p.state, v.Key())
	} else {
		p.state[v.Key()] = v
	}
	if !p.o.watch {
		return nil
	}
	p.found++
	switch {
	case p.o.json:
		return p.jl.Write(v.Rec)
	case p.o.parseable:
		return p.writeLines(svcview.ParseableLines(v, p.o.resolve))
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
			v.Rec.Event = "add"
			if err := p.jl.Write(v.Rec); err != nil {
				return err
			}
		}
		return nil
	case p.o.parseable:
		var lines []string
		for _, v := range views {
			v.Kind = mdns.EventAdd
			lines = append(lines, svcview.ParseableLines(v, p.o.resolve)...)
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
func (p *printer) sorted() []*svcview.View {
	views := slices.Collect(maps.Values(p.state))
	slices.SortFunc(views, func(a, b *svcview.View) int {
		return cmp.Or(
			strings.Compare(p.group(a), p.group(b)),
			strings.Compare(strings.ToLower(a.Entry.Type), strings.ToLower(b.Entry.Type)),
			strings.Compare(strings.ToLower(a.Entry.Instance), strings.ToLower(b.Entry.Instance)),
			strings.Compare(a.Entry.Instance, b.Entry.Instance),
			strings.Compare(a.Entry.Domain, b.Entry.Domain),
		)
	})
	return views
}

// tables renders views as one aligned table per domain and service type.
func (p *printer) tables(views []*svcview.View) string {
	return svcview.Tables(views, p.o.resolve, p.group)
}

// group is the domain a view is listed under: with --all-domains the
// origin of a mirror, otherwise the domain browsed.
func (p *printer) group(v *svcview.View) string {
	if p.o.allDomains && v.Rec.Origin != "" {
		return v.Rec.Origin
	}
	return v.Entry.Domain
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
func (p *printer) plainLine(v *svcview.View) string {
	f := []string{v.Kind.String(), v.Entry.Instance, v.Entry.Type, p.group(v), v.Entry.Host, strconv.Itoa(int(v.Entry.Port)), strings.Join(v.Rec.Addrs, " "), v.Rec.Interface}
	if p.o.resolve {
		f = append(f, svcview.TXTSummary(v))
	}
	for i := range f {
		f[i] = cli.Printable(f[i])
	}
	return strings.Join(f, "\t")
}
