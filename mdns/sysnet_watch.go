package mdns

import (
	"context"
	"time"
)

// sysPollInterval is how often interfaces are polled where they cannot be
// watched.
const sysPollInterval = 3 * time.Second

// sysPoll calls changed whenever the interfaces differ from the last poll,
// until ctx is done.
func sysPoll(ctx context.Context, n Network, every time.Duration, changed func()) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	last := sysFingerprint(n)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
			if fp := sysFingerprint(n); fp != last {
				last = fp
				changed()
			}
		}
	}
}
