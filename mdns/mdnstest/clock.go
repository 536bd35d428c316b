package mdnstest

import (
	"testing/synctest"
	"time"
)

// Advance lets d of virtual time pass and then waits until every other
// goroutine in the bubble is durably blocked: timers due by then have
// fired and what they set off has run. It must be called from inside a
// synctest bubble, and not from two goroutines at once (see
// [synctest.Wait]).
func Advance(d time.Duration) {
	if d > 0 {
		time.Sleep(d)
	}
	synctest.Wait()
}
