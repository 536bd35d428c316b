package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"

	"github.com/mdnskit/mdnskit/mdns"
)

// One goroutine watches every publication, however many there are: a
// goroutine each held 7 MB of stacks in an announcer of 1000 services
// (BENCH.md, TestAnnounceMemoryBench: 27.7 MB once announced, now 20.4).
// Changes are rare (a rename after a late conflict,
// RFC 6762 §9), so rebuilding the select over the set for each one is
// cheap.

// list adds pb to the published set and to the watch.
func (p *publisher) list(pb *pub) {
	p.mu.Lock()
	p.live[pb.spec.key()] = pb
	p.mu.Unlock()
	p.poke()
}

// unlist drops the publication of key from the set and from the watch.
func (p *publisher) unlist(key string) {
	p.mu.Lock()
	delete(p.live, key)
	p.mu.Unlock()
	p.poke()
}

// poke tells the watcher that the published set changed.
func (p *publisher) poke() {
	select {
	case p.wake <- struct{}{}:
	default: // a wake-up is pending already
	}
}

// changed is the channel that signals pb's renames and loss; nil for
// what has none (registry nodes) or was lost already.
func (pb *pub) changed() <-chan struct{} {
	switch {
	case pb.lost:
		return nil
	case pb.host != nil:
		return pb.host.Changed()
	case pb.pub != nil:
		return pb.pub.Registration().Changed()
	}
	return nil
}

// watch reports the renames of every publication after it was
// established, and names lost for good, until ctx ends.
func (p *publisher) watch(ctx context.Context) {
	recv := func(ch any) reflect.SelectCase {
		return reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)}
	}
	for {
		p.mu.Lock()
		watched := make([]*pub, 0, len(p.live))
		cases := make([]reflect.SelectCase, 2, 2+len(p.live))
		cases[0], cases[1] = recv(ctx.Done()), recv(p.wake)
		for _, pb := range p.live {
			if ch := pb.changed(); ch != nil {
				watched = append(watched, pb)
				cases = append(cases, recv(ch))
			}
		}
		p.mu.Unlock()
		switch i, _, _ := reflect.Select(cases); i {
		case 0:
			return
		case 1: // the set changed: watch the new one
		default:
			p.report(ctx, watched[i-2])
		}
	}
}

// report prints what changed about pb: a new instance or host name, or
// the name lost (handed to the main loop, which ends or drops it).
func (p *publisher) report(ctx context.Context, pb *pub) {
	p.mu.Lock()
	s, listed := pb.spec, p.live[pb.spec.key()] == pb
	p.mu.Unlock()
	if !listed { // withdrawn meanwhile
		return
	}
	if pb.host != nil {
		if err := pb.host.Err(); err != nil {
			p.lose(ctx, pb, fmt.Errorf("host %q: %w", pb.shownHost, err))
		} else if n := pb.host.Name() + ".local"; n != pb.shownHost {
			p.out.write(event{Event: "renamed", Host: n, Old: pb.shownHost, New: n})
			pb.shownHost = n
		}
		return
	}
	g := pb.pub.Registration()
	if err := g.Err(); err != nil {
		p.lose(ctx, pb, fmt.Errorf("%s: %w", label(&s), err))
		return
	}
	if n := pb.pub.Instance(); n != pb.shown {
		p.out.write(event{Event: "renamed", Instance: n, Service: s.Service, Domain: s.Domain, Port: s.Port, Old: pb.shown, New: n})
		pb.shown = n
	}
	if h := g.HostName(); s.Host != "" && h != pb.shownHost {
		p.out.write(event{Event: "renamed", Instance: pb.shown, Service: s.Service, Domain: s.Domain, Port: s.Port, Host: h, Old: pb.shownHost, New: h})
		pb.shownHost = h
	}
}

// lose stops watching pb and hands its lost name to the main loop.
func (p *publisher) lose(ctx context.Context, pb *pub, err error) {
	pb.lost = true
	if errors.Is(err, mdns.ErrClosed) {
		return
	}
	select {
	case p.lost <- lostName{key: pb.spec.key(), err: err}:
	case <-ctx.Done():
	}
}
