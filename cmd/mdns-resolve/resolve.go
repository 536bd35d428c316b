package main

import (
	"context"
	"errors"
	"net/netip"
	"sync"

	"github.com/mdnskit/mdnskit/mdns"
)

// result is what one argument resolved to.
type result struct {
	q        query
	addrs    []netip.Addr      // hostQuery
	names    []string          // addrQuery
	entry    mdns.ServiceEntry // serviceQuery
	err      error
	notFound bool // err: nothing answered within the timeout
}

// resolveAll resolves every query in parallel, each for at most
// --timeout (0: until ctx ends), and returns the results in argument
// order.
func resolveAll(ctx context.Context, conn *mdns.Conn, o *options) []result {
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.timeout)
		defer cancel()
	}
	out := make([]result, len(o.queries))
	var wg sync.WaitGroup
	for i, q := range o.queries {
		wg.Go(func() {
			r := result{q: q}
			switch q.kind {
			case hostQuery:
				r.addrs, r.err = conn.LookupHost(ctx, q.host)
			case addrQuery:
				r.names, r.err = conn.LookupAddr(ctx, q.addr)
			case serviceQuery:
				r.entry, r.err = conn.Resolve(ctx, q.arg, o.service, o.domain)
			}
			r.notFound = errors.Is(r.err, mdns.ErrNotFound) && errors.Is(r.err, context.DeadlineExceeded)
			out[i] = r
		})
	}
	wg.Wait()
	return out
}
