package domains

import "time"

// Settle is the rule by which a one-shot read of the link knows it has
// heard what there is to hear (the settling described on settleMin):
// the first read of every Registry view waits by it, and a command that
// stops "when the link has gone quiet" (mdns-browse --until-idle) can
// wait by it too. One Settle follows one browse.
type Settle struct {
	// Start is when the browse started.
	Start time.Time
	// Last is when it last heard an answer; zero while it has heard none.
	Last time.Time
}

// SettleMax bounds a wait by this rule, however busy the link: a reader
// stops waiting SettleMax after it began, settled or not.
const SettleMax = settleMax

// Due returns when the browse has settled: at least settleMin (0.5 s)
// after it started — settleSilent (1.25 s) while it has heard nothing,
// since a record multicast just before may be repeated only a second
// later (RFC 6762 §6) — and settleQuiet (0.3 s) after its last answer.
// A link that keeps answering keeps moving it: see SettleMax.
func (s Settle) Due() time.Time {
	due := s.Start.Add(settleMin)
	if s.Last.IsZero() {
		due = s.Start.Add(settleSilent)
	} else if q := s.Last.Add(settleQuiet); q.After(due) {
		due = q
	}
	return due
}
