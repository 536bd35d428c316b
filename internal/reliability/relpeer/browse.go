package main

import (
	"context"
	"errors"
	"flag"
	"runtime"
	"sync"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

func browse(ctx context.Context, args []string, out *lines) error {
	fs := flag.NewFlagSet("relpeer browse", flag.ContinueOnError)
	var types, ifaces multi
	fs.Var(&types, "type", "service type to browse, repeatable")
	fs.Var(&ifaces, "iface", "interface to use, repeatable (default all)")
	every := fs.Duration("stats", time.Second, "interval of the stats lines")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if len(types) == 0 || *every <= 0 {
		return errors.New("browse needs -type and a positive -stats")
	}
	base := runtime.NumGoroutine()
	conn, err := mdns.Listen(mdns.Config{Interfaces: ifaces})
	if err != nil {
		return err
	}
	out.emit(map[string]any{"event": "ready", "goroutines": base})

	bctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	errs := make(chan error, len(types))
	for _, typ := range types {
		wg.Go(func() {
			err := conn.Browse(bctx, mdns.BrowseQuery{Type: typ}, func(ev mdns.BrowseEvent) error {
				e := ev.Entry
				addrs := make([]string, len(e.Addrs))
				for i, a := range e.Addrs {
					addrs[i] = a.String()
				}
				out.emit(map[string]any{"event": ev.Kind.String(), "instance": e.Instance, "service": e.Type,
					"host": e.Host, "port": e.Port, "addrs": addrs})
				return nil
			})
			if err != nil && bctx.Err() == nil {
				errs <- err
			}
		})
	}
	stats := func(event string) {
		n, bound := conn.CacheSize()
		st := conn.Stats()
		out.emit(map[string]any{"event": event, "cache": n, "cacheBound": bound, "proc": sampleProc(),
			"sent": st.Sent, "received": st.Received, "evictions": st.CacheEvictions, "conflicts": st.Conflicts,
			"malformed": st.DroppedMalformed, "offLink": st.DroppedOffLink})
	}
	tick := time.NewTicker(*every)
	defer tick.Stop()
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case runErr = <-errs:
			break loop
		case <-tick.C:
			stats("stats")
		}
	}
	stats("stats")
	cancel()
	wg.Wait()
	closeErr := conn.Close()
	// What Close and the browses started has stopped; the runtime may
	// take a moment to retire a goroutine that has just returned.
	left := runtime.NumGoroutine()
	for end := time.Now().Add(2 * time.Second); left > base && time.Now().Before(end); left = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	out.emit(map[string]any{"event": "closed", "goroutines": left, "baseline": base})
	return errors.Join(runErr, closeErr)
}
