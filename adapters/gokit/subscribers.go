package gokit

import (
	"slices"

	"github.com/go-kit/kit/sd"
)

// subscriber is one registered channel. Its own goroutine sends it the
// latest event: go-kit's cache sends to every channel in turn under its
// lock, so one subscriber that stops reading stalls them all; here it
// only misses the sets that were superseded while it was not reading.
type subscriber struct {
	ch      chan<- sd.Event
	pending *sd.Event     // the event to send next; guarded by Instancer.mu
	wake    chan struct{} // capacity 1: pending was set
	quit    chan struct{} // closed by Deregister and Stop
	exited  chan struct{} // closed when deliver returns
	first   chan struct{} // closed once the first event was sent, or on exit
}

// offer makes ev the next event to send; Instancer.mu is held.
func (s *subscriber) offer(ev sd.Event) {
	s.pending = &ev
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Register subscribes ch and sends it the current instances before it
// returns (the error instead if the registry is failing and no instances
// were ever known). Registering a channel again only sends it the
// current state again, later.
func (i *Instancer) Register(ch chan<- sd.Event) {
	i.mu.Lock()
	ev := i.joinState()
	if i.stopped {
		i.mu.Unlock()
		ch <- copyEvent(ev) // what go-kit's cache does, with nothing to follow
		return
	}
	if s := i.subs[ch]; s != nil {
		s.offer(ev)
		i.mu.Unlock()
		return
	}
	s := &subscriber{ch: ch, wake: make(chan struct{}, 1), quit: make(chan struct{}),
		exited: make(chan struct{}), first: make(chan struct{})}
	s.offer(ev)
	i.subs[ch] = s
	i.mu.Unlock()
	go i.deliver(s)
	<-s.first
}

// Deregister unsubscribes ch and waits until nothing more can be sent on
// it, so that the caller may close it (go-kit's Endpointer does).
func (i *Instancer) Deregister(ch chan<- sd.Event) {
	i.mu.Lock()
	s := i.subs[ch]
	delete(i.subs, ch)
	i.mu.Unlock()
	if s != nil {
		close(s.quit)
		<-s.exited
	}
}

// Stop ends the watch and every subscriber's goroutine, and waits for
// them. Subscribers get no more events; Register still sends the last
// state. Calling it again does nothing.
func (i *Instancer) Stop() {
	i.stopOnce.Do(func() {
		i.cancel()
		<-i.done
		i.mu.Lock()
		i.stopped = true
		subs := i.subs
		i.subs = map[chan<- sd.Event]*subscriber{}
		i.mu.Unlock()
		for _, s := range subs {
			close(s.quit)
			<-s.exited
		}
	})
}

// deliver sends s its events, latest first, until Deregister or Stop.
func (i *Instancer) deliver(s *subscriber) {
	defer close(s.exited)
	sent := false
	defer func() {
		if !sent {
			close(s.first)
		}
	}()
	for {
		i.mu.Lock()
		ev := s.pending
		s.pending = nil
		i.mu.Unlock()
		if ev == nil {
			select {
			case <-s.wake:
				continue
			case <-s.quit:
				return
			}
		}
		select {
		case s.ch <- copyEvent(*ev):
		case <-s.quit:
			return
		}
		if !sent {
			sent = true
			close(s.first)
		}
	}
}

// copyEvent gives each subscriber its own instance slice: go-kit's
// subscribers may sort or change it.
func copyEvent(ev sd.Event) sd.Event {
	ev.Instances = slices.Clone(ev.Instances)
	return ev
}
