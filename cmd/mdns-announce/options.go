package main

import (
	"io"
	"strconv"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/netflags"
	"github.com/mdnskit/mdnskit/mdns"
)

type options struct {
	spec    spec // from the flags; defaults for --file
	file    string
	host    string // --host: this machine's label, or with --address the device's
	net     netflags.Net
	json    bool
	verbose bool

	registry     bool // any registry flag given
	flavour      domains.Flavour
	globalDomain string
}

func parseOptions(args []string, stdout, stderr io.Writer) (o *options, code int, ok bool) {
	o = &options{}
	var (
		port          string
		ttl           time.Duration
		endpoints     []string
		endpointsFile string
		flavour       string
	)
	s := &o.spec
	fs := cli.NewFlagSet(name)
	fs.StringVarP(&s.Instance, "instance", "n", "", "")
	fs.StringVarP(&s.Service, "service", "s", "", "")
	fs.StringVarP(&port, "port", "p", "", "")
	fs.VarP(cli.Strings{Values: &s.TXT}, "txt", "t", "")
	fs.StringVarP(&s.Domain, "domain", "d", "", "")
	fs.Var(cli.Strings{Values: &s.Subtypes}, "subtype", "")
	fs.DurationVar(&ttl, "ttl", 0, "")
	fs.BoolVar(&s.NoRename, "no-rename", false, "")
	fs.BoolVar(&s.NoMirror, "no-mirror", false, "")
	fs.StringVar(&o.host, "host", "", "")
	fs.Var(cli.Strings{Values: &s.Addresses}, "address", "")
	fs.Uint16Var(&s.Priority, "priority", 0, "")
	fs.Uint16Var(&s.Weight, "weight", 0, "")
	fs.StringVarP(&o.file, "file", "f", "", "")
	fs.StringVar(&s.Version, "service-version", "", "")
	fs.Var(cli.Strings{Values: &s.TXT}, "meta", "")
	fs.Var(cli.Strings{Values: &endpoints}, "endpoint", "")
	fs.StringVar(&endpointsFile, "endpoints", "", "")
	fs.StringVar(&flavour, "flavour", "dnssd", "")
	fs.StringVar(&o.globalDomain, "global-domain", "", "")
	o.net.Register(fs)
	fs.BoolVarP(&o.json, "json", "j", false, "")
	fs.BoolVarP(&o.verbose, "verbose", "v", false, "")
	if code, ok := cli.Parse(fs, args, usage, stdout, stderr); !ok {
		return nil, code, false
	}
	fail := func(format string, args ...any) (*options, int, bool) {
		return nil, cli.Usagef(stderr, name, format, args...), false
	}
	if fs.NArg() > 0 {
		return fail("unexpected argument %q (flags name the service: --instance, --service, --port)", fs.Arg(0))
	}
	if err := o.net.Check(); err != nil {
		return fail("%v", err)
	}
	if o.host != "" && len(s.Addresses) == 0 {
		// Without --address, --host is this machine's label.
		if err := mdns.ValidateHostLabel(o.host); err != nil {
			return fail("--host %q: %v", o.host, err)
		}
	}
	switch flavour {
	case "dnssd", "dns-sd":
		o.flavour = domains.DNSSD
	case "micro":
		o.flavour = domains.Micro
	default:
		return fail("--flavour %q: want dnssd or micro", flavour)
	}
	o.registry = s.Version != "" || len(endpoints) > 0 || endpointsFile != "" || fs.Changed("flavour")
	s.TTL = duration(ttl)
	if port != "" {
		p, err := strconv.ParseUint(port, 10, 16)
		if err != nil || p == 0 {
			return fail("--port %q: want a number from 1 to 65535", port)
		}
		s.Port = uint16(p)
	}
	for _, e := range endpoints {
		s.Endpoints = append(s.Endpoints, &domains.Endpoint{Name: e})
	}
	if endpointsFile != "" {
		eps, err := readEndpoints(endpointsFile)
		if err != nil {
			return fail("--endpoints: %v", err)
		}
		s.Endpoints = append(s.Endpoints, eps...)
	}
	if o.file != "" {
		// The flags that name one service make no sense with a file.
		for _, f := range []string{"instance", "service", "port", "subtype", "service-version", "endpoint", "endpoints", "address", "priority", "weight"} {
			if fs.Changed(f) {
				return fail("--%s names one service; put it in %s instead", f, o.file)
			}
		}
		if len(s.TXT) > 0 {
			return fail("--txt and --meta name one service's attributes; put them in %s instead", o.file)
		}
		return o, cli.ExitOK, true
	}
	s.Registry = o.registry
	if len(s.Addresses) > 0 {
		s.Host = o.host // the device the addresses belong to
	}
	if err := s.check(o); err != nil {
		return fail("%v", err)
	}
	return o, cli.ExitOK, true
}

// hostName is the label of this machine --host asks for: --host names the
// device instead when --address is given.
func (o *options) hostName() string {
	if len(o.spec.Addresses) > 0 {
		return ""
	}
	return o.host
}
