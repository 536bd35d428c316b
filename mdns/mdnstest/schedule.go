package mdnstest

import (
	"container/heap"
	"time"
)

// A flight is one copy of a packet on its way across the link.
type flight struct {
	rec   *record
	copy  int
	at    time.Time // when it arrives (for a held copy: its timeout)
	order uint64    // ties at the same instant go in scheduling order
	held  bool      // held back by the Reorder fault
	index int       // in the heap
}

// flights is a min-heap by (at, order): delivery order is exact and
// deterministic, including among copies due at the same virtual instant.
type flights []*flight

func (q flights) Len() int { return len(q) }
func (q flights) Less(i, j int) bool {
	if !q[i].at.Equal(q[j].at) {
		return q[i].at.Before(q[j].at)
	}
	return q[i].order < q[j].order
}
func (q flights) Swap(i, j int) {
	q[i], q[j] = q[j], q[i]
	q[i].index, q[j].index = i, j
}
func (q *flights) Push(x any) {
	f := x.(*flight)
	f.index = len(*q)
	*q = append(*q, f)
}
func (q *flights) Pop() any {
	old := *q
	f := old[len(old)-1]
	old[len(old)-1] = nil
	*q = old[:len(old)-1]
	return f
}

// scheduleLocked queues a copy to arrive at at.
func (l *Link) scheduleLocked(f *flight, at time.Time) {
	l.order++
	f.at, f.order = at, l.order
	heap.Push(&l.queue, f)
}

// releaseHeldLocked lets the copies held back by the Reorder fault go at
// at, just after whatever was scheduled before.
func (l *Link) releaseHeldLocked(held []*flight, at time.Time) {
	for _, f := range held {
		if !f.held {
			continue
		}
		f.held = false
		l.order++
		f.at, f.order = at, l.order
		heap.Fix(&l.queue, f.index)
	}
}

// runDueLocked delivers every copy due by now, in order, and appends the
// packets that are finished to done.
func (l *Link) runDueLocked(now time.Time, done *[]Packet) {
	for len(l.queue) > 0 && !l.queue[0].at.After(now) {
		f := heap.Pop(&l.queue).(*flight)
		if f.held { // timed out with no packet after it
			f.held = false
			l.removeHeldLocked(f)
		}
		l.deliverLocked(f, done)
	}
}

func (l *Link) removeHeldLocked(f *flight) {
	for i, h := range l.held {
		if h == f {
			l.held = append(l.held[:i], l.held[i+1:]...)
			return
		}
	}
}

// armLocked sets the link's one timer for the next copy due. Inside a
// synctest bubble the timer is virtual, so delays are exact.
func (l *Link) armLocked(now time.Time) {
	if len(l.queue) == 0 {
		if l.timer != nil {
			l.timer.Stop()
		}
		return
	}
	d := l.queue[0].at.Sub(now)
	if l.timer == nil {
		l.timer = time.AfterFunc(d, l.fire)
		return
	}
	l.timer.Reset(d)
}

// fire runs on the timer's goroutine.
func (l *Link) fire() {
	now := time.Now()
	var done []Packet
	l.mu.Lock()
	if !l.closed {
		l.runDueLocked(now, &done)
		l.armLocked(now)
	}
	l.mu.Unlock()
	l.tap(done)
}
