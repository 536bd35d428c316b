package main

import (
	"sync"
	"time"

	"github.com/mdnskit/mdnskit/domains"
)

// idleWatch decides when --until-idle stops: when every browse started has
// settled by the rule of package domains (domains.Settle: heard nothing
// new for a while, or nothing at all for longer, each browse at most
// domains.SettleMax after it started). Browses start as types are found,
// so a browse of every type ends once the type list and every type's
// instances have gone quiet, like avahi-browse -t.
type idleWatch struct {
	mu      sync.Mutex
	browses map[string]*domains.Settle
}

func newIdleWatch() *idleWatch { return &idleWatch{browses: make(map[string]*domains.Settle)} }

// start notes a browse that starts now.
func (w *idleWatch) start(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.browses[key] == nil {
		w.browses[key] = &domains.Settle{Start: time.Now()}
	}
}

// heard notes an answer for a browse now.
func (w *idleWatch) heard(key string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if s := w.browses[key]; s != nil {
		s.Last = time.Now()
	}
}

// due returns when the last browse settles.
func (w *idleWatch) due() time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	var at time.Time
	for _, s := range w.browses {
		due := s.Due()
		if limit := s.Start.Add(domains.SettleMax); limit.Before(due) {
			due = limit
		}
		if due.After(at) {
			at = due
		}
	}
	return at
}
