package main

import (
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/netflags"
	"github.com/mdnskit/mdnskit/mdns"
)

// defaultTimeout is how long each argument may take: queries go out at
// once and after 1 s (RFC 6762 §5.2), and a responder that is up answers
// within about 120 ms of each.
const defaultTimeout = mdns.DefaultLookupTimeout

type options struct {
	service   string // --service: the arguments are instances of this type
	domain    string
	timeout   time.Duration
	json      bool
	parseable bool
	net       netflags.Net
	queries   []query
}

// queryKind says what an argument is.
type queryKind int

const (
	hostQuery    queryKind = iota // a host name to its addresses
	addrQuery                     // an address to its name
	serviceQuery                  // an instance to its service entry
)

// query is one argument, read.
type query struct {
	kind queryKind
	arg  string     // as given
	host string     // hostQuery: the name asked for, "box.local"
	addr netip.Addr // addrQuery
}

func parseOptions(args []string, stdout, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{}
	fs := cli.NewFlagSet(name)
	fs.StringVarP(&o.service, "service", "s", "", "")
	fs.StringVarP(&o.domain, "domain", "d", "local", "")
	fs.DurationVarP(&o.timeout, "timeout", "t", defaultTimeout, "")
	fs.BoolVarP(&o.json, "json", "j", false, "")
	fs.BoolVarP(&o.parseable, "parseable", "p", false, "")
	o.net.Register(fs)
	if code, ok := cli.Parse(fs, args, usage, stdout, stderr); !ok {
		return nil, code, false
	}
	fail := func(format string, args ...any) (*options, int, bool) {
		return nil, cli.Usagef(stderr, name, format, args...), false
	}
	switch {
	case fs.NArg() == 0 && o.service != "":
		return fail("name an instance of %s to resolve, e.g. mdns-resolve --service %s \"My Web\"", o.service, o.service)
	case fs.NArg() == 0:
		return fail("name a host (box.local), an address (10.0.0.5) or, with --service, an instance to resolve")
	case o.json && o.parseable:
		return fail("--json and --parseable exclude each other")
	case o.timeout < 0:
		return fail("--timeout %v: must not be negative", o.timeout)
	case fs.Changed("domain") && o.service == "":
		return fail("--domain is the domain of --service's instances; host names live in .local")
	}
	if err := o.net.Check(); err != nil {
		return fail("%v", err)
	}
	o.service = strings.TrimSuffix(o.service, ".")
	o.domain = domains.NormalizeDomain(o.domain)
	for _, a := range fs.Args() {
		q, err := o.read(a)
		if err != nil {
			return fail("%v", err)
		}
		o.queries = append(o.queries, q)
	}
	return o, cli.ExitOK, true
}

// read classifies and checks one argument.
func (o *options) read(arg string) (query, error) {
	if o.service != "" {
		if err := mdns.ValidateInstance(arg); err != nil {
			return query{}, fmt.Errorf("instance %q: %w", arg, err)
		}
		return query{kind: serviceQuery, arg: arg}, nil
	}
	if a, err := netip.ParseAddr(arg); err == nil {
		return query{kind: addrQuery, arg: arg, addr: a}, nil
	}
	if strings.ContainsAny(arg, ":%") || strings.Trim(arg, "0123456789.") == "" {
		return query{}, fmt.Errorf("%q is not an IPv4 or IPv6 address", arg)
	}
	h := strings.TrimSuffix(arg, ".")
	if !strings.Contains(h, ".") {
		h += ".local" // a bare label, as LookupHost reads it
	}
	if !mdns.IsLocalName(h) {
		return query{}, fmt.Errorf("host %q: multicast DNS resolves names in .local only (box.local); ask DNS for others", arg)
	}
	if _, err := mdns.HostLabel(h); err != nil {
		return query{}, fmt.Errorf("host %q: %w", arg, err)
	}
	return query{kind: hostQuery, arg: arg, host: h}, nil
}
