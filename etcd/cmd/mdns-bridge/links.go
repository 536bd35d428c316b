package main

import (
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd"
	"github.com/mdnskit/mdnskit/etcd/bridge"
	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// flavour is the domains flavour of --flavour.
func (o *options) flavourOf() domains.Flavour {
	if o.flavour == "micro" {
		return domains.Micro
	}
	return domains.DNSSD
}

// cacheRecords bounds each link's mDNS cache. A bridge caches a whole
// link: with mdns's default (4096 records, Avahi's) 1000 registry nodes on
// IPv4 and IPv6 did not fit (BENCH.md); this holds 16 times as many.
const cacheRecords = 65536

// openLinks opens one domains.Registry per interface, so that every node
// is known with the link it was heard on: the --interface ones, or every
// up, multicast-capable, non-loopback interface there is at start.
func openLinks(o *options, e env, stderr io.Writer) ([]bridge.Link, func(), error) {
	names := o.interfaces
	if len(names) == 0 {
		ifs, err := e.net().Interfaces()
		if err != nil {
			return nil, nil, fmt.Errorf("listing the interfaces: %w", err)
		}
		for _, it := range ifs {
			if it.Up && it.Multicast && !it.Loopback && len(it.Prefixes) > 0 {
				names = append(names, it.Name)
			}
		}
		if len(names) == 0 {
			return nil, nil, fmt.Errorf("%w: no up, multicast-capable interface with an address", mdns.ErrNoInterface)
		}
	}
	var links []bridge.Link
	var regs []*domains.Registry
	closeAll := func() {
		for _, r := range regs {
			r.Close()
		}
	}
	for _, ifname := range slices.Compact(slices.Clone(names)) {
		cfg := mdns.Config{Network: e.network, Interfaces: []string{ifname}, MaxCacheRecords: cacheRecords}
		if e.configure != nil {
			e.configure(&cfg)
		}
		if o.verbose {
			cfg.Logf = logf(stderr)
		}
		r, err := domains.New(domains.Config{Flavour: o.flavourOf(), MDNS: cfg, Logf: cfg.Logf})
		if err != nil {
			closeAll()
			return nil, nil, fmt.Errorf("interface %s: %w", ifname, err)
		}
		regs = append(regs, r)
		links = append(links, bridge.Link{Name: ifname, Source: r})
	}
	return links, closeAll, nil
}

// openEtcd opens the etcd registry, its domains those of the flavour.
func openEtcd(o *options, stderr io.Writer) (*etcd.Registry, error) {
	cfg := etcd.Config{Endpoints: o.etcd, Prefix: o.prefix, TTL: o.ttl}
	if o.flavourOf() == domains.Micro {
		cfg.Domain, cfg.GlobalDomain = "micro", "global"
	}
	if o.verbose {
		cfg.Logf = logf(stderr)
	}
	return etcd.New(cfg)
}

func logf(w io.Writer) func(string, ...any) {
	return func(format string, args ...any) { cli.Errorf(w, name, format, args...) }
}

// hints explain the errors people meet first.
func hints(o *options) []cli.Hint {
	return append(cli.SocketHints(mdns.ErrNoInterface, len(o.interfaces) > 0), cli.Hint{
		Match: cli.Is(etcd.ErrUnavailable),
		Text:  "check that etcd runs and that --etcd names its client URL (etcdctl --endpoints URL endpoint health)",
	})
}

// isUsage reports errors caused by the arguments.
func isUsage(err error) bool {
	return errors.Is(err, mdns.ErrInvalidName) || errors.Is(err, domains.ErrInvalidService)
}
