package main

import (
	"io"
	"strings"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/svcview"
	"github.com/mdnskit/mdnskit/mdns"
)

// The JSON lines (README.md): a host name, an address, and an instance,
// the last as one line of mdns-browse --json.
type hostRecord struct {
	Name  string   `json:"name"`
	Addrs []string `json:"addrs"`
}

type addrRecord struct {
	Addr string `json:"addr"`
	Name string `json:"name"`
}

// write prints what was found, in the order of the arguments: tables
// (hosts, addresses, instances), JSON lines, or parseable lines.
func write(w io.Writer, o *options, results []result) error {
	var found []result
	for _, r := range results {
		if r.err == nil {
			found = append(found, r)
		}
	}
	switch {
	case o.json:
		jl := cli.NewJSONLines(w)
		for _, r := range found {
			if err := jl.Write(jsonRecord(r)); err != nil {
				return err
			}
		}
		return nil
	case o.parseable:
		var b strings.Builder
		for _, r := range found {
			for _, l := range parseableLines(r) {
				b.WriteString(l + "\n")
			}
		}
		_, err := io.WriteString(w, b.String())
		return err
	}
	_, err := io.WriteString(w, tables(found))
	return err
}

func jsonRecord(r result) any {
	switch r.q.kind {
	case hostQuery:
		return hostRecord{Name: r.q.host, Addrs: addrStrings(r)}
	case addrQuery:
		return addrRecord{Addr: r.q.addr.String(), Name: r.names[0]}
	}
	return serviceView(r).Rec
}

func serviceView(r result) *svcview.View {
	return svcview.NewView(mdns.BrowseEvent{Kind: mdns.EventAdd, Entry: r.entry}, "local")
}

func addrStrings(r result) []string {
	out := make([]string, len(r.addrs))
	for i, a := range r.addrs {
		out[i] = a.String()
	}
	return out
}

// parseableLines are avahi-resolve's own lines for names and addresses
// ("NAME<tab>ADDRESS", "ADDRESS<tab>NAME"), one per address or name, and
// avahi-browse -p -r's '=' lines for an instance.
func parseableLines(r result) []string {
	var out []string
	switch r.q.kind {
	case hostQuery:
		for _, a := range addrStrings(r) {
			out = append(out, cli.Printable(r.q.host)+"\t"+a)
		}
	case addrQuery:
		for _, n := range r.names {
			out = append(out, r.q.addr.String()+"\t"+cli.Printable(n))
		}
	case serviceQuery:
		out = svcview.ParseableLines(serviceView(r), true)
	}
	return out
}

// tables renders the results as aligned tables: host names, addresses,
// then instances as mdns-browse shows them (with TXT).
func tables(found []result) string {
	var parts []string
	hosts := [][]string{{"NAME", "ADDRESSES"}}
	addrs := [][]string{{"ADDRESS", "NAME"}}
	var views []*svcview.View
	for _, r := range found {
		switch r.q.kind {
		case hostQuery:
			hosts = append(hosts, []string{r.q.host, strings.Join(addrStrings(r), " ")})
		case addrQuery:
			addrs = append(addrs, []string{r.q.addr.String(), strings.Join(r.names, " ")})
		case serviceQuery:
			views = append(views, serviceView(r))
		}
	}
	for _, t := range [][][]string{hosts, addrs} {
		if len(t) > 1 {
			var b strings.Builder
			cli.Table(&b, "", t)
			parts = append(parts, b.String())
		}
	}
	if len(views) > 0 {
		parts = append(parts, svcview.Tables(views, true, func(v *svcview.View) string { return v.Entry.Domain }))
	}
	return strings.Join(parts, "\n")
}
