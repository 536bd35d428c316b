package mdns

import (
	"context"
	"fmt"
)

// BrowseMany follows several service types (or subtypes, or domains) at
// once, as one Browse call per query would, and calls fn for the events of
// all of them, on the calling goroutine and one at a time. Queries that
// name the same thing are followed once. It returns like Browse; an
// invalid query fails the call before anything is asked.
//
// Each event's Entry says which type and domain (and subtype) it belongs
// to. Like Browse, BrowseMany starts no goroutine.
func (c *Conn) BrowseMany(ctx context.Context, qs []BrowseQuery, fn func(BrowseEvent) error) error {
	if len(qs) == 0 {
		return fmt.Errorf("%w: no service type to browse", ErrInvalidName)
	}
	var bs []*browser
	seen := make(map[string]bool, len(qs))
	for _, q := range qs {
		b, err := c.newInstanceBrowser(q)
		if err != nil {
			return err
		}
		key := fmt.Sprintf("%s\x00%s\x00%v", b.ptr, b.suffix, b.dotted)
		if !seen[key] {
			seen[key] = true
			bs = append(bs, b)
		}
	}
	return c.runAll(ctx, bs, func(ev event) error { return fn(BrowseEvent{Kind: ev.kind, Entry: ev.entry}) })
}

// runAll is run for several browsers: they share one wake-up channel, and
// their events reach fn in turn.
func (c *Conn) runAll(ctx context.Context, bs []*browser, fn func(event) error) error {
	wake := bs[0].out.wake
	for _, b := range bs[1:] {
		b.out.wake = wake // before start: only the loop pushes, once started
	}
	start := func() {
		for _, b := range bs {
			b.start()
		}
	}
	if err := c.do(ctx, start); err != nil {
		return err
	}
	defer c.do(context.Background(), func() { // ErrClosed once the loop is gone: nothing to stop
		for _, b := range bs {
			b.stop()
		}
	})
	for {
		for _, b := range bs {
			for _, ev := range b.out.drain() {
				if err := ctx.Err(); err != nil {
					return err
				}
				if err := fn(ev); err != nil {
					return err
				}
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-c.loopDone:
			return ErrClosed
		case <-wake:
		}
	}
}
