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
//
// It remembers the last echoRing messages sent (a thousand services
// probing at once send a few hundred), indexed by a hash of their bytes.
type echoFilter struct {
	seed  maphash.Seed
	ring  [echoRing]echoEntry
	next  int
	sent  map[uint64]time.Time // sum → when last sent
	ready bool
}

type echoEntry struct {
	sum uint64
	at  time.Time
}

const (
	echoRing = 1024
	// echoWindow is how long after sending a message its echo is
	// recognised.
	echoWindow = 2 * time.Second
)

func (e *echoFilter) sum(b []byte) uint64 {
	if !e.ready {
		e.seed = maphash.MakeSeed()
		e.sent = make(map[uint64]time.Time)
		e.ready = true
	}
	return maphash.Bytes(e.seed, b)
}

func (e *echoFilter) add(b []byte, now time.Time) {
	s := e.sum(b)
	if old := e.ring[e.next]; !old.at.IsZero() && e.sent[old.sum].Equal(old.at) {
		delete(e.sent, old.sum) // not sent again since
	}
	e.ring[e.next] = echoEntry{sum: s, at: now}
	e.sent[s] = now
	e.next = (e.next + 1) % len(e.ring)
}

func (e *echoFilter) isOwn(b []byte, now time.Time) bool {
	at, ok := e.sent[e.sum(b)]
	return ok && now.Sub(at) <= echoWindow
}
