package main

import (
	"context"
	"errors"
	"io"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

func runWith(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	o, code, ok := parseOptions(args, stdout, stderr)
	if !ok {
		return code
	}
	specs := []spec{o.spec}
	if o.file != "" {
		var err error
		if specs, err = readSpecs(o.file, o); err != nil {
			return cli.Usagef(stderr, name, "%v", err)
		}
	}
	cfg := mdns.Config{Network: e.network, HostName: o.hostName()}
	o.net.Apply(&cfg, name, stderr)
	if e.configure != nil {
		e.configure(&cfg)
	}
	out := newOutput(stdout, o.json)
	var p *publisher
	if o.verbose {
		cfg.Logf = func(format string, args ...any) { cli.Errorf(stderr, name, format, args...) }
	}
	conn := o.net.Listen(cfg, name, stderr)
	if conn == nil {
		return cli.ExitFailure
	}
	if err := checkDevices(specs, conn); err != nil {
		conn.Close()
		return cli.Usagef(stderr, name, "%v", err)
	}
	p = newPublisher(o, conn, out, stderr)
	shutdown := func(code int) int {
		if err := p.close(); err != nil && code == cli.ExitOK {
			cli.Report(stderr, name, err)
			return cli.ExitFailure
		}
		return code
	}

	// Every name must be established before the announcer settles down:
	// a script that waits for the first line of output can rely on it.
	if errs := p.apply(ctx, specs); len(errs) > 0 {
		if ctx.Err() != nil {
			return shutdown(cli.ExitOK) // interrupted while probing
		}
		for _, err := range errs {
			cli.Report(stderr, name, err, hints(&o.net)...)
		}
		return shutdown(cli.ExitConflict)
	}
	for {
		select {
		case <-ctx.Done():
			return shutdown(cli.ExitOK)
		case <-e.hangup:
			if o.file == "" {
				return shutdown(cli.ExitOK) // the terminal went away: leave cleanly
			}
			reload(ctx, p, o, stderr)
		case l := <-p.lost:
			cli.Report(stderr, name, l.err, hints(&o.net)...)
			p.forget(l.key)
			if o.file == "" {
				return shutdown(cli.ExitConflict)
			}
		}
	}
}

// reload re-reads the services file after SIGHUP and applies it; errors
// are reported and the announcer keeps running with what it has.
func reload(ctx context.Context, p *publisher, o *options, stderr io.Writer) {
	specs, err := readSpecs(o.file, o)
	if err == nil {
		err = checkDevices(specs, p.conn)
	}
	if err != nil {
		cli.Errorf(stderr, name, "reload: %v; keeping the services published", err)
		return
	}
	for _, err := range p.apply(ctx, specs) {
		if errors.Is(err, context.Canceled) {
			return
		}
		cli.Report(stderr, name, err, hints(&o.net)...)
	}
}
