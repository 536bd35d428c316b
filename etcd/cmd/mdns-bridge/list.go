package main

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd"
	"github.com/mdnskit/mdnskit/etcd/bridge"
	"github.com/mdnskit/mdnskit/internal/cli"
)

// list prints the merged view of the links and etcd: once, or as it
// changes with --watch.
func list(ctx context.Context, o *options, links []bridge.Link, reg *etcd.Registry, stdout, stderr io.Writer, e env) int {
	var sources []domains.MergedSource
	for _, l := range links {
		sources = append(sources, domains.MergedSource{Name: "mdns:" + l.Name, Source: l.Source})
	}
	sources = append(sources, domains.MergedSource{Name: "etcd", Source: reg, Authoritative: true})
	cfg := domains.MergedConfig{Sources: sources, Domain: defaultDomain(o)}
	if !o.watch && o.timeout > 0 {
		cfg.FirstRead = o.timeout
	}
	if o.verbose {
		cfg.Logf = logf(stderr)
	}
	m, err := domains.NewMerged(cfg)
	if err != nil {
		cli.Report(stderr, name, err)
		return cli.ExitFailure
	}
	defer m.Close()
	p := newPrinter(o, stdout, e.terminal(stdout))
	if o.watch {
		return watchList(ctx, o, m, p, stderr)
	}
	for _, d := range o.domains {
		ns, err := m.Nodes(ctx, d, "")
		if err != nil {
			if errors.Is(err, context.Canceled) {
				return cli.ExitOK
			}
			cli.Report(stderr, name, err, hints(o)...)
			return failureOr(err)
		}
		for _, n := range ns {
			if p.wanted(n) {
				p.add(d, domains.ActionCreate, n)
			}
		}
	}
	if err := p.finish(); err != nil {
		cli.Report(stderr, name, err)
		return cli.ExitFailure
	}
	if !reportStates(m, stderr) {
		return cli.ExitFailure
	}
	if p.found == 0 && !o.json && !o.parseable {
		cli.Errorf(stderr, name, "no registry services found")
	}
	return cli.ExitOK
}

func failureOr(err error) int {
	if isUsage(err) {
		return cli.ExitUsage
	}
	return cli.ExitFailure
}

// defaultDomain is the domain of an empty --domain: the flavour's.
func defaultDomain(o *options) string {
	if o.flavourOf() == domains.Micro {
		return "micro"
	}
	return "local"
}

// reportStates tells stderr about the sources that could not be read;
// false if there is one.
func reportStates(m *domains.Merged, stderr io.Writer) bool {
	ok := true
	for _, st := range m.States() {
		switch st.State {
		case "ok":
		case "timeout":
			ok = false
			cli.Errorf(stderr, name, "%s did not answer in time (domain %s)", st.Source, st.Domain)
		default:
			ok = false
			cli.Errorf(stderr, name, "%s: %s since %s: %v", st.Source, st.State, st.Since.Format("15:04:05"), st.Err)
		}
	}
	return ok
}

// watchList prints every change of the merged view until ctx ends or the
// timeout passes.
func watchList(ctx context.Context, o *options, m *domains.Merged, p *printer, stderr io.Writer) int {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	type event struct {
		domain string
		ev     domains.MergedEvent
	}
	events := make(chan event)
	var wg sync.WaitGroup
	for _, d := range slices.Compact(slices.Clone(o.domains)) {
		wg.Go(func() {
			err := m.WatchNodes(ctx, d, "", func(ev domains.MergedEvent) error {
				select {
				case events <- event{d, ev}:
					return nil
				case <-ctx.Done():
					return ctx.Err()
				}
			})
			if err != nil && ctx.Err() == nil {
				cancel(err)
			}
		})
	}
	defer wg.Wait()
	for {
		select {
		case e := <-events:
			if !p.wanted(e.ev.Node) {
				continue
			}
			if err := p.add(e.domain, e.ev.Action, e.ev.Node); err != nil {
				cancel(err)
				cli.Report(stderr, name, err)
				return cli.ExitFailure
			}
		case <-ctx.Done():
			if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				cli.Report(stderr, name, err, hints(o)...)
				return cli.ExitFailure
			}
			return cli.ExitOK
		}
	}
}
