package mdns

import (
	"testing"
	"time"
)

func TestSchedulerOrderAndCancel(t *testing.T) {
	var s scheduler
	t0 := time.Unix(1000, 0)
	var got []int
	s.at(t0.Add(2*time.Second), func() { got = append(got, 3) })
	s.at(t0.Add(time.Second), func() { got = append(got, 1) })
	s.at(t0.Add(time.Second), func() { got = append(got, 2) }) // same time: FIFO
	x := s.at(t0.Add(1500*time.Millisecond), func() { got = append(got, 99) })
	s.cancel(x)
	s.cancel(x) // idempotent
	if next, _ := s.next(); !next.Equal(t0.Add(time.Second)) {
		t.Fatalf("next = %v", next)
	}
	if s.popDue(t0) != nil {
		t.Fatal("a task ran early")
	}
	for tk := s.popDue(t0.Add(time.Hour)); tk != nil; tk = s.popDue(t0.Add(time.Hour)) {
		tk.fn()
	}
	if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
		t.Errorf("ran %v, want [1 2 3]", got)
	}
}
