package domains

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"
)

// A feed keeps one source's nodes of one domain in a merged view: a Watch
// of the whole domain, started again with backoff when it fails.
//
// Starting a Watch (the first time or again) is followed by a read of the
// source (ListServices) that works as a barrier: once every node that
// read returned has been reported by the new Watch, every node the source
// has is known, so nodes kept from before that the new Watch did not
// report are gone and are deleted. The read's own data is never merged:
// the Watch alone writes, so a read that is older than an event cannot
// undo it.
type feed struct {
	v   *mergedView
	src int

	synced   chan struct{} // closed after the first read (or its bound)
	syncOnce sync.Once
	initial  bool          // before the first read: nodes count as seen at the start
	touch    chan struct{} // capacity 1: the Watch reported a node

	// Guarded by v.mu.
	state    string // see SourceState
	since    time.Time
	err      error
	reported map[mergedKey]bool // reported by the current Watch
}

func (f *feed) source() MergedSource { return f.v.m.sources[f.src] }

// markSynced ends the first read; v.mu held.
func (f *feed) markSynced() {
	f.initial = false
	f.syncOnce.Do(func() { close(f.synced) })
}

// timedOut records that the first read gave up on the source; v.mu held.
func (f *feed) timedOut() {
	if f.state == "syncing" {
		f.setState("timeout", nil)
	}
	f.markSynced()
}

// setState changes the state, keeping since when it stays the same; v.mu
// held.
func (f *feed) setState(state string, err error) {
	if f.state != state {
		f.state, f.since = state, time.Now()
	}
	f.err = err
}

// run feeds the view until the Merged closes.
func (f *feed) run() {
	m := f.v.m
	backoff := m.retryMin
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			m.restarts.Add(1)
		}
		if f.watchOnce() {
			backoff = m.retryMin
		}
		if m.ctx.Err() != nil {
			return
		}
		f.v.expireStale(f)
		if !sleepCtx(m.ctx, backoff) {
			return
		}
		backoff = min(2*backoff, m.retryMax)
		f.v.expireStale(f)
	}
}

// watchOnce runs one Watch of the source until it ends; it reports
// whether the Watch got as far as its barrier read.
func (f *feed) watchOnce() (synced bool) {
	v, m := f.v, f.v.m
	ctx, cancel := context.WithCancel(m.ctx)
	defer cancel()
	v.mu.Lock()
	f.reported = make(map[mergedKey]bool)
	v.mu.Unlock()

	start := time.Now()
	errc := make(chan error, 1)
	src := f.source().Source
	if !m.spawn(func() {
		errc <- src.Watch(ctx, v.domain, "", func(r Result) error {
			v.apply(f, r)
			return nil
		})
	}) {
		return false
	}

	backoff := m.retryMin
	for {
		snapCtx, snapCancel := context.WithTimeout(ctx, m.firstRead)
		snap, err := src.ListServices(snapCtx, v.domain)
		snapCancel()
		if err == nil {
			f.awaitReported(ctx, snap, start.Add(m.firstRead), errc)
			v.mu.Lock()
			v.confirm(f)
			v.mu.Unlock()
			synced = true
			break
		}
		failedAt := time.Now()
		if ctx.Err() != nil {
			return false
		}
		if time.Since(start) >= m.firstRead {
			v.mu.Lock()
			f.timedOut()
			v.mu.Unlock()
		}
		if !f.awaitRetry(ctx, errc, failedAt, backoff) {
			return false
		}
		backoff = min(2*backoff, m.retryMax)
	}

	select {
	case werr := <-errc:
		f.failed(werr)
	case <-ctx.Done():
	}
	return synced
}

// awaitRetry waits before the barrier read is tried again: backoff after
// the failed attempt, or only RetryMin once the Watch reports a node,
// since a source that answers its Watch is back and its state should say
// so at once, not after the longest backoff. False: the Watch ended (its
// error recorded) or ctx did.
func (f *feed) awaitRetry(ctx context.Context, errc chan error, failedAt time.Time, backoff time.Duration) bool {
	timer := time.NewTimer(time.Until(failedAt.Add(backoff)))
	defer timer.Stop()
	for {
		select {
		case werr := <-errc:
			f.failed(werr)
			return false
		case <-ctx.Done():
			return false
		case <-timer.C:
			return true
		case <-f.touch:
			if !timer.Stop() {
				return true
			}
			timer.Reset(time.Until(failedAt.Add(f.v.m.retryMin)))
		}
	}
}

// awaitReported waits until the Watch has reported every node of snap,
// the deadline passes (a Watch slower than that catches up later) or the
// Watch ends (its error is put back for the caller).
func (f *feed) awaitReported(ctx context.Context, snap []*Service, deadline time.Time, errc chan error) {
	var want []mergedKey
	for _, s := range snap {
		if s == nil {
			continue
		}
		for _, n := range s.Nodes {
			if n != nil {
				want = append(want, mergedKey{s.Name, strings.ToLower(n.Id)})
			}
		}
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	for {
		f.v.mu.Lock()
		done := true
		for _, k := range want {
			if !f.reported[k] {
				done = false
				break
			}
		}
		f.v.mu.Unlock()
		if done {
			return
		}
		select {
		case <-f.touch:
		case <-timer.C:
			return
		case <-ctx.Done():
			return
		case err := <-errc:
			errc <- err
			return
		}
	}
}

// failed records the end of the source's Watch: its nodes become stale.
func (f *feed) failed(err error) {
	m := f.v.m
	if m.ctx.Err() != nil {
		return
	}
	if err == nil || errors.Is(err, context.Canceled) {
		err = errSourceWatchEnded
	}
	v := f.v
	v.mu.Lock()
	defer v.mu.Unlock()
	if f.state != "stale" {
		m.log("domains: merged source %s failed in %s: %v", f.source().Name, v.domain, err)
	}
	f.setState("stale", err)
	v.markPending(f)
}
