package domains_test

import (
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
)

// The settle rule as mdns-browse --until-idle and every first read use it.
func TestSettleDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := time.Millisecond
	for _, c := range []struct {
		last time.Duration // -1: nothing heard
		want time.Duration
	}{
		{-1, 1250 * ms},     // silence: wait for the once-a-second repeat
		{50 * ms, 500 * ms}, // an early answer: the minimum
		{400 * ms, 700 * ms},
		{1400 * ms, 1700 * ms}, // answers go on: the caller caps at SettleMax
	} {
		s := domains.Settle{Start: t0}
		if c.last >= 0 {
			s.Last = t0.Add(c.last)
		}
		if got := s.Due().Sub(t0); got != c.want {
			t.Errorf("last %v: due %v, want %v", c.last, got, c.want)
		}
	}
	if domains.SettleMax != 1500*ms {
		t.Errorf("SettleMax = %v", domains.SettleMax)
	}
}
