package main

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/cli"
)

// record is one --json line of --list; the field order is the schema's
// (README.md): mdns-browse's instance fields, its registry fields, then
// where the node came from.
type record struct {
	Event     string              `json:"event"` // add, update, remove
	Instance  string              `json:"instance"`
	Domain    string              `json:"domain"` // the domain listed
	Host      string              `json:"host"`   // the winning copy's
	Port      uint16              `json:"port"`
	Addrs     []string            `json:"addrs"` // every source's host, the winner's first
	Name      string              `json:"name"`
	Version   string              `json:"version"`
	Endpoints []*domains.Endpoint `json:"endpoints"`
	Metadata  map[string]string   `json:"metadata"`
	Origin    string              `json:"origin"`    // the domain(s) it was registered in
	Sources   []string            `json:"sources"`   // the winner first
	Addresses map[string]string   `json:"addresses"` // source → host:port
	Stale     []string            `json:"stale"`     // sources whose copy is the last known
	Conflicts []conflict          `json:"conflicts"` // where a source disagrees with the winner
}

type conflict struct {
	Source string `json:"source"`
	Field  string `json:"field"` // port, version, metadata:<key>
	Value  string `json:"value"`
	Winner string `json:"winner"`
}

var actions = map[string]string{domains.ActionCreate: "add", domains.ActionUpdate: "update", domains.ActionDelete: "remove"}

func newRecord(domain, action string, n *domains.MergedNode) *record {
	s, nd := n.Service, n.Service.Nodes[0]
	host, port := splitHostPort(nd.Address)
	r := &record{
		Event: actions[action], Instance: nd.Id, Domain: domain, Host: host, Port: port,
		Name: s.Name, Version: s.Version, Endpoints: s.Endpoints, Metadata: nd.Metadata, Origin: nd.Domain,
		Addrs: []string{}, Sources: []string{}, Addresses: map[string]string{}, Stale: []string{}, Conflicts: []conflict{},
	}
	for _, src := range n.Sources {
		r.Sources = append(r.Sources, src.Source)
		r.Addresses[src.Source] = src.Address
		if h, _ := splitHostPort(src.Address); !slices.Contains(r.Addrs, h) {
			r.Addrs = append(r.Addrs, h)
		}
		if src.Stale {
			r.Stale = append(r.Stale, src.Source)
		}
	}
	for _, c := range n.Conflicts {
		r.Conflicts = append(r.Conflicts, conflict(c))
	}
	return r
}

func (r *record) key() string {
	return r.Domain + "\x00" + r.Name + "\x00" + r.Instance
}

// printer turns merged nodes into the chosen output: at the end, sorted,
// or with --watch as events come.
type printer struct {
	o     *options
	w     io.Writer
	live  bool // a terminal watching in the human format: redraw the tables
	jl    *cli.JSONLines
	state map[string]*record
	found int
}

func newPrinter(o *options, w io.Writer, terminal bool) *printer {
	return &printer{o: o, w: w, live: o.watch && terminal && !o.json && !o.parseable, jl: cli.NewJSONLines(w), state: map[string]*record{}}
}

// wanted applies --service.
func (p *printer) wanted(n *domains.MergedNode) bool {
	return len(p.o.services) == 0 || slices.Contains(p.o.services, n.Service.Name)
}

func (p *printer) add(domain, action string, n *domains.MergedNode) error {
	r := newRecord(domain, action, n)
	if action == domains.ActionDelete {
		delete(p.state, r.key())
	} else {
		p.state[r.key()] = r
	}
	if !p.o.watch {
		return nil
	}
	p.found++
	switch {
	case p.o.json:
		return p.jl.Write(r)
	case p.o.parseable:
		return p.line(parseable(r))
	case p.live:
		return p.redraw()
	}
	return p.line(strings.Join(printable(r.Event, r.Instance, r.Name, r.Version, r.Domain, r.Host, strconv.Itoa(int(r.Port)), r.Origin, sourcesText(r)), "\t"))
}

// finish prints what a listing without --watch found.
func (p *printer) finish() error {
	if p.o.watch {
		return nil
	}
	recs := p.sorted()
	p.found = len(recs)
	for _, r := range recs {
		var err error
		switch {
		case p.o.json:
			err = p.jl.Write(r)
		case p.o.parseable:
			err = p.line(parseable(r))
		}
		if err != nil {
			return err
		}
	}
	if p.o.json || p.o.parseable {
		return nil
	}
	_, err := io.WriteString(p.w, tables(recs))
	return err
}

func (p *printer) line(s string) error {
	_, err := io.WriteString(p.w, s+"\n")
	return err
}

func (p *printer) sorted() []*record {
	recs := slices.Collect(maps.Values(p.state))
	slices.SortFunc(recs, func(a, b *record) int {
		return cmp.Or(strings.Compare(a.Domain, b.Domain), strings.Compare(a.Name, b.Name),
			strings.Compare(a.Version, b.Version), strings.Compare(a.Instance, b.Instance))
	})
	return recs
}

func (p *printer) redraw() error {
	recs := p.sorted()
	var b strings.Builder
	b.WriteString(cli.ClearScreen)
	fmt.Fprintf(&b, "watching the merged view: %d node(s); Ctrl-C to stop\n\n", len(recs))
	b.WriteString(tables(recs))
	_, err := io.WriteString(p.w, b.String())
	return err
}

// tables renders records as one aligned table per domain, service and
// version, each followed by the disagreements between sources.
func tables(recs []*record) string {
	var b strings.Builder
	for i := 0; i < len(recs); {
		first := recs[i]
		rows := [][]string{{"NODE", "HOST", "PORT", "ORIGIN", "SOURCES"}}
		var notes []string
		j := i
		for ; j < len(recs) && recs[j].Domain == first.Domain && recs[j].Name == first.Name && recs[j].Version == first.Version; j++ {
			r := recs[j]
			rows = append(rows, printable(r.Instance, r.Host, strconv.Itoa(int(r.Port)), r.Origin, sourcesText(r)))
			for _, c := range r.Conflicts {
				notes = append(notes, cli.Printable(fmt.Sprintf("  ! %s: %s has %s %s, %s has %s", r.Instance, c.Source, c.Field, c.Value, r.Sources[0], c.Winner)))
			}
		}
		if i > 0 {
			b.WriteString("\n")
		}
		version := first.Version
		if version == "" {
			version = `""`
		}
		fmt.Fprintf(&b, "%s %s in %s\n", cli.Printable(first.Name), cli.Printable(version), cli.Printable(first.Domain))
		cli.Table(&b, "  ", rows)
		for _, n := range notes {
			b.WriteString(n + "\n")
		}
		i = j
	}
	return b.String()
}

// sourcesText lists the sources, stale ones marked.
func sourcesText(r *record) string {
	parts := make([]string, len(r.Sources))
	for i, s := range r.Sources {
		parts[i] = s
		if slices.Contains(r.Stale, s) {
			parts[i] += "(stale)"
		}
	}
	return strings.Join(parts, " ")
}

func printable(fields ...string) []string {
	for i := range fields {
		fields[i] = cli.Printable(fields[i])
	}
	return fields
}

var parseableMark = map[string]string{"add": "+", "update": "=", "remove": "-"}

// parseable renders a record as one semicolon-separated line:
// MARK;DOMAIN;NAME;VERSION;NODE;HOST;PORT;ORIGIN;SOURCES.
func parseable(r *record) string {
	f := []string{parseableMark[r.Event], r.Domain, r.Name, r.Version, r.Instance, r.Host, strconv.Itoa(int(r.Port)), r.Origin, strings.Join(r.Sources, ",")}
	for i := 1; i < len(f); i++ {
		f[i] = escapeField(f[i])
	}
	return strings.Join(f, ";")
}

// escapeField writes ';', '\' and control bytes as \DDD (decimal), as
// avahi-browse -p does, so that ';' never appears inside a field.
func escapeField(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == ';' || c == '\\' || c < 0x20 || c == 0x7f {
			fmt.Fprintf(&b, "\\%03d", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}
