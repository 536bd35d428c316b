package mdns

import (
	"container/heap"
	"time"
)

// The engine runs every protocol action on one goroutine. Timed actions go
// into this heap; the loop keeps a single timer armed for the earliest one.
// Ties run in the order they were scheduled, which keeps runs on the virtual
// clock deterministic.

type task struct {
	at    time.Time
	seq   uint64
	fn    func()
	index int // in the heap; -1 when not scheduled
}

// cancel removes t from the schedule. It is safe on a nil or finished task.
func (s *scheduler) cancel(t *task) {
	if t != nil && t.index >= 0 {
		heap.Remove(&s.h, t.index)
	}
}

type scheduler struct {
	h   taskHeap
	seq uint64
}

func (s *scheduler) at(when time.Time, fn func()) *task {
	s.seq++
	t := &task{at: when, seq: s.seq, fn: fn}
	heap.Push(&s.h, t)
	return t
}

// next returns the time of the earliest task.
func (s *scheduler) next() (time.Time, bool) {
	if len(s.h) == 0 {
		return time.Time{}, false
	}
	return s.h[0].at, true
}

// popDue removes and returns the earliest task if it is due at now.
func (s *scheduler) popDue(now time.Time) *task {
	if len(s.h) == 0 || s.h[0].at.After(now) {
		return nil
	}
	return heap.Pop(&s.h).(*task)
}

type taskHeap []*task

func (h taskHeap) Len() int { return len(h) }
func (h taskHeap) Less(i, j int) bool {
	if !h[i].at.Equal(h[j].at) {
		return h[i].at.Before(h[j].at)
	}
	return h[i].seq < h[j].seq
}
func (h taskHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *taskHeap) Push(x any) {
	t := x.(*task)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *taskHeap) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	t.index = -1
	*h = old[:len(old)-1]
	return t
}
