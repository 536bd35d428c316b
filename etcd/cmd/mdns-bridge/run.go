package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/mdnskit/mdnskit/etcd/bridge"
	"github.com/mdnskit/mdnskit/internal/cli"
)

func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	o, code, ok := parseOptions(args, stdout, stderr, e)
	if !ok {
		return code
	}
	links, closeLinks, err := openLinks(o, e, stderr)
	if err != nil {
		cli.Report(stderr, name, err, hints(o)...)
		return cli.ExitFailure
	}
	defer closeLinks()
	reg, err := openEtcd(o, stderr)
	if err != nil {
		cli.Report(stderr, name, err, hints(o)...)
		return cli.ExitFailure
	}
	if o.list {
		code = list(ctx, o, links, reg, stdout, stderr, e)
		if err := reg.Close(); err != nil && code == cli.ExitOK {
			cli.Report(stderr, name, err)
		}
		return code
	}
	return runBridge(ctx, o, links, reg, stdout, stderr)
}

// bridgeRecord is one --json line of a bridge: a write to etcd.
type bridgeRecord struct {
	Event    string  `json:"event"` // put, delete
	Instance string  `json:"instance"`
	Name     string  `json:"name"`
	Version  string  `json:"version"`
	Address  string  `json:"address"`
	Domain   string  `json:"domain"`
	Link     string  `json:"link"`
	Site     string  `json:"site"`
	Delay    float64 `json:"delay_ms"` // from the browse event to etcd's acknowledgement
}

// runBridge mirrors until ctx ends, then revokes the lease.
func runBridge(ctx context.Context, o *options, links []bridge.Link, reg interface {
	bridge.Target
	Close() error
}, stdout, stderr io.Writer) int {
	jl := cli.NewJSONLines(stdout)
	events := func(ev bridge.Event) {
		n := ev.Service.Nodes[0]
		r := bridgeRecord{
			Event: ev.Action, Instance: n.Id, Name: ev.Service.Name, Version: ev.Service.Version,
			Address: n.Address, Domain: n.Domain, Link: ev.Link, Site: o.site,
			Delay: float64(ev.Written.Sub(ev.Heard).Microseconds()) / 1000,
		}
		if o.json {
			jl.Write(r)
			return
		}
		fmt.Fprintln(stdout, strings.Join([]string{r.Event, cli.Printable(r.Instance), cli.Printable(r.Name), cli.Printable(r.Version),
			r.Address, r.Domain, r.Link}, "\t"))
	}
	var logf func(string, ...any)
	if o.verbose {
		logf = func(format string, args ...any) { cli.Errorf(stderr, name, format, args...) }
	}
	b, err := bridge.New(bridge.Config{
		Target: reg, Links: links, Site: o.site, Domains: o.domains, Services: o.services,
		TTL: o.ttl, Events: events, Logf: logf,
	})
	if err != nil {
		reg.Close()
		cli.Report(stderr, name, err)
		return cli.ExitFailure
	}
	if o.verbose {
		var ifs []string
		for _, l := range links {
			ifs = append(ifs, l.Name)
		}
		cli.Errorf(stderr, name, "mirroring %s into %s as site %s", strings.Join(ifs, ", "), strings.Join(o.etcd, ","), o.site)
	}
	b.Run(ctx)
	// The keys go with the lease, at once.
	if err := reg.Close(); err != nil {
		cli.Report(stderr, name, fmt.Errorf("revoking the lease: %w", err), hints(o)...)
		return cli.ExitFailure
	}
	return cli.ExitOK
}

// splitHostPort splits a node address; a bad one is all host.
func splitHostPort(addr string) (string, uint16) {
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return addr, 0
	}
	port, _ := strconv.ParseUint(p, 10, 16)
	return h, uint16(port)
}
