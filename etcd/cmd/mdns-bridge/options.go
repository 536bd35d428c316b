package main

import (
	"io"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/cli"
)

// defaultTimeout bounds a --list: an mDNS browse settles within 1.5 s
// (RFC 6762 §5.2 queries at 0, 1 and 3 s), etcd answers in one read.
const defaultTimeout = 3 * time.Second

// defaultTTL is the lease of mirrored nodes: short enough that a bridge
// that dies leaves nothing behind for long, long enough that its
// keepalive (every third of it) costs nothing.
const defaultTTL = 30 * time.Second

type options struct {
	etcd       []string
	site       string
	domains    []string
	services   []string
	interfaces []string
	flavour    string
	ttl        time.Duration
	prefix     string
	list       bool
	watch      bool
	json       bool
	parseable  bool
	timeout    time.Duration
	verbose    bool
}

func parseOptions(args []string, stdout, stderr io.Writer, e env) (o *options, code int, ok bool) {
	o = &options{}
	fs := cli.NewFlagSet(name)
	fs.Var(cli.Strings{Values: &o.etcd}, "etcd", "")
	fs.StringVar(&o.site, "site", "", "")
	fs.VarP(cli.Strings{Values: &o.domains}, "domain", "d", "")
	fs.VarP(cli.Strings{Values: &o.services}, "service", "s", "")
	fs.VarP(cli.Strings{Values: &o.interfaces}, "interface", "i", "")
	fs.StringVar(&o.flavour, "flavour", "dnssd", "")
	fs.DurationVar(&o.ttl, "ttl", defaultTTL, "")
	fs.StringVar(&o.prefix, "prefix", "", "")
	fs.BoolVarP(&o.list, "list", "l", false, "")
	fs.BoolVarP(&o.watch, "watch", "w", false, "")
	fs.BoolVarP(&o.json, "json", "j", false, "")
	fs.BoolVarP(&o.parseable, "parseable", "p", false, "")
	fs.DurationVarP(&o.timeout, "timeout", "t", defaultTimeout, "")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "")
	if code, ok := cli.Parse(fs, args, usage, stdout, stderr); !ok {
		return nil, code, false
	}
	fail := func(format string, args ...any) (*options, int, bool) {
		return nil, cli.Usagef(stderr, name, format, args...), false
	}
	var eps []string
	for _, v := range o.etcd {
		for _, ep := range strings.Split(v, ",") {
			if ep = strings.TrimSpace(ep); ep != "" {
				eps = append(eps, ep)
			}
		}
	}
	o.etcd = eps
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q", fs.Arg(0))
	case len(o.etcd) == 0:
		return fail("--etcd URL is required (etcd's client URL, http://127.0.0.1:2379)")
	case o.json && o.parseable:
		return fail("--json and --parseable exclude each other")
	case !o.list && (o.watch || o.parseable || fs.Changed("timeout")):
		return fail("--watch, --parseable and --timeout go with --list")
	case o.list && (o.site != "" || fs.Changed("ttl")):
		return fail("--site and --ttl go with the bridge, not --list")
	case o.flavour != "dnssd" && o.flavour != "micro":
		return fail("--flavour %q: dnssd or micro", o.flavour)
	case o.ttl < time.Second:
		return fail("--ttl %v: at least 1s", o.ttl)
	case o.timeout < 0:
		return fail("--timeout %v: must not be negative", o.timeout)
	}
	if o.watch && !fs.Changed("timeout") {
		o.timeout = 0 // a watch runs until interrupted
	}
	if o.site == "" {
		o.site = e.hostname()
	}
	if len(o.domains) == 0 {
		o.domains = []string{defaultDomain(o)}
	}
	for i, d := range o.domains {
		o.domains[i] = domains.NormalizeDomain(d)
	}
	for i, s := range o.services {
		o.services[i] = serviceName(s, o.flavour)
	}
	return o, cli.ExitOK, true
}

// serviceName accepts a DNS-SD type for a registry service name:
// _greeter._tcp is greeter.
func serviceName(s, flavour string) string {
	s = strings.TrimSuffix(s, ".")
	if flavour == "dnssd" && strings.HasPrefix(s, "_") {
		if n, ok := strings.CutSuffix(s[1:], "._tcp"); ok {
			return n
		}
	}
	return s
}
