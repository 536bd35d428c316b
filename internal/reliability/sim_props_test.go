package reliability

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// The protocol's properties under loss, duplication, delay and reordering,
// exact on the virtual clock (issue 17, item 1): the lossy LAN scenario's
// fleet — 5 announcers with stable and cycling services, 3 browsers — for
// 10 minutes, each run seeded and so reproducible to the packet. What
// the LAN runs measure with real sockets and a loaded scheduler, these pin
// without either.

// simFleet is the LAN scenario's fleet over d on a link with faults, each
// host losing rxLoss of what it receives on its own.
func simFleet(seed uint64, faults mdnstest.Faults, rxLoss float64, d time.Duration) simConfig {
	return simConfig{
		seed: seed, faults: faults, rxLoss: rxLoss,
		announcers: 5, stable: 2, cycling: 2, browsers: 3, duration: d,
		up:   [2]time.Duration{20 * time.Second, 90 * time.Second},
		down: [2]time.Duration{5 * time.Second, 30 * time.Second},
		// A fifth of the withdrawals lose every copy of their goodbyes:
		// the browsers must still remove them, by POOF or TTL (§10.5).
		loseGoodbyes: 0.2,
	}
}

// jittery is the link's own misbehaviour: 5 % of packets duplicated,
// every packet delayed by up to 30 ms (reordering those sent closer
// together) and 5 % held back behind the next one.
var jittery = mdnstest.Faults{Duplicate: 0.05, Jitter: 30 * time.Millisecond, Reorder: 0.05}

func TestSimLossyLink(t *testing.T) {
	for _, tc := range []struct {
		name     string
		rxLoss   float64
		converge time.Duration // every browser reports a new service within
		// spurious: whether a live service may be removed. At 30 % a
		// browser can miss every answer to a host's refresh queries
		// (RFC 6762 §5.2: four tries), and then removing it is right.
		spurious bool
	}{
		{"loss 10%", 0.10, 5 * time.Second, false},
		{"loss 30%", 0.30, 15 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rec := runSim(t, simFleet(17, jittery, tc.rxLoss, 10*time.Minute))
				rep := rec.analyse(tc.converge)
				t.Log(rep)
				checkSim(t, rep, tc.converge, tc.spurious)
			})
		})
	}
}

// Duplicated, delayed and reordered probes and announcements invent no
// conflict (RFC 6762 §8.2: our own records seen again are not a
// conflict; §9: nor are identical records from another host), and
// nothing else suffers: half of all packets duplicated, a third held
// back, up to 200 ms of jitter.
func TestSimDuplicatedReorderedProbes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		faults := mdnstest.Faults{Duplicate: 0.5, Reorder: 0.3, Jitter: 200 * time.Millisecond}
		rec := runSim(t, simFleet(6762, faults, 0, 5*time.Minute))
		rep := rec.analyse(5 * time.Second)
		t.Log(rep)
		checkSim(t, rep, 5*time.Second, false)
	})
}

// checkSim checks a simulated run's report against the scenario's
// thresholds: convergence, spurious removes, removal after lost goodbyes,
// and neither renames nor conflicts.
func checkSim(t *testing.T, rep report, converge time.Duration, spuriousOK bool) {
	t.Helper()
	if rep.pairs == 0 || len(rep.converged) == 0 {
		t.Fatalf("nothing ran: %v", rep)
	}
	if worst := quantile(rep.converged, 1); worst > converge {
		t.Errorf("slowest convergence %v, want within %v: %q", worst, converge, rep.slowest)
	}
	if len(rep.missing) > 0 {
		t.Errorf("never reported while alive: %q", rep.missing)
	}
	if len(rep.spurious) > 0 && !spuriousOK {
		t.Errorf("spurious removes: %q", rep.spurious)
	}
	if len(rep.lostBye) == 0 {
		t.Errorf("no withdrawal lost its goodbyes: the run does not test removal without them")
	}
	if worst := quantile(rep.lostBye, 1); worst > staleAfter {
		t.Errorf("a service whose goodbyes were lost was removed after %v, want within its TTL (%v)", worst, staleAfter)
	}
	if len(rep.stale) > 0 {
		t.Errorf("withdrawn and never removed: %q", rep.stale)
	}
	if rep.renamed > 0 || rep.conflicts > 0 {
		t.Errorf("%d renamed, %d conflicts: none may be invented", rep.renamed, rep.conflicts)
	}
}
