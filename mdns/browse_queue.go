package mdns

import (
	"container/list"
	"sync"
)

// eventQueue carries a browser's events from the loop to the goroutine
// that called Browse. The loop never blocks on a slow consumer: events
// wait here, coalesced per key (instance or type), so the queue holds at
// most two events per key and never more keys than the browser follows
// or has to report gone. A remove is never lost: the consumer either
// hears it or never heard of the instance at all.
type eventQueue struct {
	mu    sync.Mutex
	byKey map[string]*list.Element // of *pendingEvents
	order list.List                // keys in the order their first event came
	wake  chan struct{}
}

type event struct {
	kind  EventKind
	entry ServiceEntry
	types TypeEvent
	// complete (LookupHost, Resolve): every address type of the host is
	// known or denied.
	complete bool
	names    []string // LookupAddr: the names an address maps to
}

// pendingEvents is what a key's consumer has yet to hear: nothing, one
// event, or a remove followed by an add (the instance went away and came
// back, which the consumer must see as such).
type pendingEvents struct {
	key string
	evs [2]event
	n   int
}

func newEventQueue() *eventQueue {
	return &eventQueue{byKey: make(map[string]*list.Element), wake: make(chan struct{}, 1)}
}

func (q *eventQueue) push(key string, ev event) {
	q.mu.Lock()
	el := q.byKey[key]
	if el == nil {
		el = q.order.PushBack(&pendingEvents{key: key})
		q.byKey[key] = el
	}
	p := el.Value.(*pendingEvents)
	p.add(ev)
	if p.n == 0 {
		q.order.Remove(el)
		delete(q.byKey, key)
	}
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// add coalesces ev into what is pending:
//
//	add+update → add, update+update → update, add+remove → nothing,
//	update+remove → remove, remove+add → remove, add.
func (p *pendingEvents) add(ev event) {
	if p.n == 0 {
		p.evs[0], p.n = ev, 1
		return
	}
	last := &p.evs[p.n-1]
	switch {
	case ev.kind == EventUpdate && last.kind != EventRemove:
		kind := last.kind
		*last = ev
		last.kind = kind
	case ev.kind == EventRemove && last.kind == EventAdd:
		p.n-- // the consumer never heard of it, or hears of the earlier remove
	case ev.kind == EventRemove:
		*last = ev
	case ev.kind == EventAdd && last.kind == EventRemove && p.n == 1:
		p.evs[1], p.n = ev, 2
	default: // cannot happen with a consistent producer; keep the newest
		*last = ev
	}
}

// drain takes every pending event, oldest key first.
func (q *eventQueue) drain() []event {
	q.mu.Lock()
	defer q.mu.Unlock()
	var out []event
	for el := q.order.Front(); el != nil; el = el.Next() {
		p := el.Value.(*pendingEvents)
		out = append(out, p.evs[:p.n]...)
	}
	q.order.Init()
	clear(q.byKey)
	return out
}
