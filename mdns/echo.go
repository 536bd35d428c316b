package mdns

import (
	"hash/maphash"
	"time"
)

// echoFilter recognises our own multicasts when the kernel loops them back
// (multicast loopback stays on so that other processes on this host hear
// us). An echo is still processed — our own browser must see our own
// services — but it can never be a name conflict or a duplicate question
// from another host.
type echoFilter struct {
	seed  maphash.Seed
	ring  [64]echoEntry
	next  int
	ready bool
}

type echoEntry struct {
	sum uint64
	at  time.Time
}

// echoWindow is how long after sending a message its echo is recognised.
const echoWindow = 2 * time.Second

func (e *echoFilter) sum(b []byte) uint64 {
	if !e.ready {
		e.seed = maphash.MakeSeed()
		e.ready = true
	}
	return maphash.Bytes(e.seed, b)
}

func (e *echoFilter) add(b []byte, now time.Time) {
	e.ring[e.next] = echoEntry{sum: e.sum(b), at: now}
	e.next = (e.next + 1) % len(e.ring)
}

func (e *echoFilter) isOwn(b []byte, now time.Time) bool {
	s := e.sum(b)
	for _, x := range e.ring {
		if x.sum == s && !x.at.IsZero() && now.Sub(x.at) <= echoWindow {
			return true
		}
	}
	return false
}
