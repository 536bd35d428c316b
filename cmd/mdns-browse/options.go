package main

import (
	"io"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/netflags"
)

// defaultTimeout is how long a one-shot browse listens: queries go out at
// once, then after 1 s and 3 s (RFC 6762 §5.2), and answers come within
// about 120 ms of each, so 3 s hears every responder that is up.
const defaultTimeout = 3 * time.Second

// idleBackstop is --timeout with --until-idle: each browse settles within
// 1.5 s of its start (domains.SettleMax), and a browse of every type
// starts its last browse when the type list settles, so a quiet or busy
// link ends it within about 3 s; a link that keeps announcing new types
// is cut off here.
const idleBackstop = 10 * time.Second

type options struct {
	services      []string
	subtype       string
	domains       []string
	allDomains    bool
	globalDomain  string
	defaultDomain string // local, or micro with --flavour micro
	net           netflags.Net
	timeout       time.Duration
	watch         bool
	untilIdle     bool
	resolve       bool
	json          bool
	parseable     bool
}

// The default domains of --flavour micro: go-micro's registry domain and
// its mirror of every domain.
const (
	microDomain       = "micro"
	microGlobalDomain = "global"
)

// browseDomains are the domains queried on the wire.
func (o *options) browseDomains() []string {
	switch {
	case o.allDomains:
		return []string{o.globalDomain}
	case len(o.domains) > 0:
		return o.domains
	}
	return []string{o.defaultDomain}
}

func joinDomains(ds []string) string { return strings.Join(ds, ", ") }

func parseOptions(args []string, stdout, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{}
	fs := cli.NewFlagSet(name)
	fs.VarP(cli.Strings{Values: &o.services}, "service", "s", "")
	fs.StringVar(&o.subtype, "subtype", "", "")
	fs.VarP(cli.Strings{Values: &o.domains}, "domain", "d", "")
	fs.BoolVarP(&o.allDomains, "all-domains", "a", false, "")
	fs.StringVar(&o.globalDomain, "global-domain", "local", "")
	var flavour string
	fs.StringVar(&flavour, "flavour", "", "")
	o.net.Register(fs)
	fs.DurationVarP(&o.timeout, "timeout", "t", defaultTimeout, "")
	fs.BoolVarP(&o.watch, "watch", "w", false, "")
	fs.BoolVar(&o.untilIdle, "until-idle", false, "")
	fs.BoolVarP(&o.resolve, "resolve", "r", false, "")
	fs.BoolVarP(&o.json, "json", "j", false, "")
	fs.BoolVarP(&o.parseable, "parseable", "p", false, "")
	if code, ok := cli.Parse(fs, args, usage, stdout, stderr); !ok {
		return nil, code, false
	}
	fail := func(format string, args ...any) (*options, int, bool) {
		return nil, cli.Usagef(stderr, name, format, args...), false
	}
	switch {
	case fs.NArg() > 0:
		return fail("unexpected argument %q (name a service type with --service)", fs.Arg(0))
	case o.json && o.parseable:
		return fail("--json and --parseable exclude each other")
	case o.allDomains && len(o.domains) > 0:
		return fail("--all-domains and --domain exclude each other")
	case o.subtype != "" && len(o.services) != 1:
		return fail("--subtype needs exactly one --service")
	case o.timeout < 0:
		return fail("--timeout %v: must not be negative", o.timeout)
	}
	if err := o.net.Check(); err != nil {
		return fail("%v", err)
	}
	o.defaultDomain = "local"
	switch flavour {
	case "":
		// Automatic: --service is a service type; registry payloads of
		// either flavour are recognised in what is found.
	case "dnssd", "dns-sd":
		// --service may be a registry service name ("greeter"), browsed
		// under its DNS-SD type, as mdns-announce publishes it.
		for i, s := range o.services {
			o.services[i] = domains.DNSSD.ServiceType(strings.TrimSuffix(s, "."))
		}
	case "micro":
		// --service is a go-micro service name, which is its type.
		o.defaultDomain = microDomain
		if !fs.Changed("global-domain") {
			o.globalDomain = microGlobalDomain
		}
	default:
		return fail("--flavour %q: want dnssd or micro", flavour)
	}
	switch {
	case o.untilIdle && !fs.Changed("timeout"):
		o.timeout = idleBackstop // the link going quiet ends it first
	case o.watch && !fs.Changed("timeout"):
		o.timeout = 0 // a watch runs until interrupted
	}
	for i, d := range o.domains {
		o.domains[i] = domains.NormalizeDomain(d)
	}
	o.globalDomain = domains.NormalizeDomain(o.globalDomain)
	for i, s := range o.services {
		o.services[i] = strings.TrimSuffix(s, ".")
	}
	return o, cli.ExitOK, true
}
