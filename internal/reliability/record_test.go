package reliability

import (
	"fmt"
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// What a run records, on the virtual clock or a real LAN alike, and what
// the thresholds are checked against: every registration's lifetime and
// every browser's events.

// lifetime is one registration of one service: from the Register call to
// the end of Deregister (or the end of the run).
type lifetime struct {
	name        string
	host        int
	start, stop time.Time // stop is zero while it lives
	established time.Time
	renamed     bool
	goodbyeLost bool
	// ttl is the TTL its records were published with (mdns-announce
	// --ttl); zero for RFC 6762's defaults.
	ttl time.Duration
}

// staleAfter is how long l may linger at a browser once withdrawn.
func (l *lifetime) staleAfter() time.Duration {
	if l.ttl > 0 {
		return l.ttl + time.Second
	}
	return staleAfter
}

// runRecord is what a run produced.
type runRecord struct {
	browsers  int
	start     time.Time
	end       time.Time
	lives     []*lifetime
	events    []browseEvent
	conflicts uint64
}

// browseEvent is one event a browser reported.
type browseEvent struct {
	at       time.Time
	browser  int
	kind     mdns.EventKind
	instance string
}

// report is the analysis of a run, per (lifetime, browser) pair.
type report struct {
	pairs     int
	converged []time.Duration // start → add, pairs that converged
	slowest   []string        // the pairs that took longest to converge, slowest first
	missing   []string        // pairs never added while alive (long enough to)
	spurious  []string        // removes while the service was alive
	removedIn []time.Duration // stop → remove, withdrawn pairs
	lostBye   []time.Duration // stop → remove where the goodbyes were lost
	stale     []string        // withdrawn, never removed although time allowed
	renamed   int
	conflicts uint64
}

// staleAfter is how long a withdrawn service may linger at a browser
// before it counts as stale: its SRV record's TTL (RFC 6762 §10: 120 s,
// removal at expiry) and a second.
const staleAfter = 120*time.Second + time.Second

func (r *runRecord) analyse(convergeWithin time.Duration) report {
	rep := report{conflicts: r.conflicts}
	type took struct {
		d    time.Duration
		pair string
	}
	var slow []took
	byKey := map[string][]browseEvent{}
	for _, ev := range r.events {
		k := fmt.Sprintf("%d|%s", ev.browser, ev.instance)
		byKey[k] = append(byKey[k], ev)
	}
	for _, l := range r.lives {
		if l.renamed {
			rep.renamed++
		}
		alive := l.stop
		if alive.IsZero() {
			alive = r.end
		}
		for b := range r.browsers {
			rep.pairs++
			evs := byKey[fmt.Sprintf("%d|%s", b, l.name)]
			var added, removed time.Time
			for _, ev := range evs {
				switch {
				case ev.at.Before(l.start):
				case ev.kind == mdns.EventAdd && added.IsZero():
					added = ev.at
				case ev.kind == mdns.EventRemove && ev.at.Before(alive) && !added.IsZero():
					rep.spurious = append(rep.spurious, fmt.Sprintf("b%d %s removed at %v (started %v)",
						b+1, l.name, ev.at.Sub(r.start), l.start.Sub(r.start)))
				case ev.kind == mdns.EventRemove && !ev.at.Before(alive) && removed.IsZero():
					removed = ev.at
				}
			}
			switch {
			case !added.IsZero() && added.Before(alive):
				rep.converged = append(rep.converged, added.Sub(l.start))
				slow = append(slow, took{added.Sub(l.start), fmt.Sprintf("b%d %s in %v (started %v)",
					b+1, l.name, added.Sub(l.start).Round(time.Millisecond), l.start.Sub(r.start).Round(time.Millisecond))})
			case alive.Sub(l.start) > convergeWithin:
				rep.missing = append(rep.missing, fmt.Sprintf("b%d %s (started %v, alive %v)",
					b+1, l.name, l.start.Sub(r.start), alive.Sub(l.start)))
			}
			if l.stop.IsZero() || added.IsZero() {
				continue
			}
			switch {
			case !removed.IsZero():
				rep.removedIn = append(rep.removedIn, removed.Sub(l.stop))
				if l.goodbyeLost {
					rep.lostBye = append(rep.lostBye, removed.Sub(l.stop))
				}
			case r.end.Sub(l.stop) > l.staleAfter():
				rep.stale = append(rep.stale, fmt.Sprintf("b%d %s (withdrawn at %v)", b+1, l.name, l.stop.Sub(r.start)))
			}
		}
	}
	slices.SortFunc(slow, func(a, b took) int { return int(b.d - a.d) })
	for _, x := range slow[:min(5, len(slow))] {
		rep.slowest = append(rep.slowest, x.pair)
	}
	return rep
}

// quantile returns the q-quantile (nearest rank) of ds.
func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(q*float64(len(s))+0.5) - 1
	return s[max(0, min(i, len(s)-1))]
}

func (rep report) String() string {
	return fmt.Sprintf("%d pairs: converged %d (median %v, p99 %v, max %v), missing %d, spurious removes %d; "+
		"withdrawn %d removed (median %v, max %v), goodbyes lost %d (max %v), stale %d; renamed %d, conflicts %d",
		rep.pairs, len(rep.converged), quantile(rep.converged, 0.5), quantile(rep.converged, 0.99), quantile(rep.converged, 1),
		len(rep.missing), len(rep.spurious), len(rep.removedIn), quantile(rep.removedIn, 0.5), quantile(rep.removedIn, 1),
		len(rep.lostBye), quantile(rep.lostBye, 1), len(rep.stale), rep.renamed, rep.conflicts)
}
