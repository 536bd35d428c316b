package mdns

import (
	"cmp"
	"slices"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Continuous querying (RFC 6762 §5.2). Each question someone needs is asked
// on every served interface and family: the first time after a random
// 20–120 ms, then after 1 s, the interval doubling up to 60 minutes.
// Questions and refresh queries due on one interface and family at about
// the same time share a message.
//
// Questions never ask for unicast replies (QU, §5.4 makes it optional).
// Port 5353 is shared (avahi-daemon, mDNSResponder, another process of
// ours), and a unicast reply to a shared port reaches one socket only,
// perhaps not ours: the first answers would be lost, and with them, since
// later queries list what was learned as known answers, maybe the
// addresses that came only with them.
const (
	firstQueryMin    = 20 * time.Millisecond
	firstQueryMax    = 120 * time.Millisecond
	firstInterval    = time.Second
	maxQueryInterval = 60 * time.Minute
	// queryAggregation: a repeated question may wait this long for others
	// due on the same interface, so that they go out in one message.
	// Questions are only ever delayed, never sent early, so the intervals
	// of §5.2 are kept.
	queryAggregation = 250 * time.Millisecond
	// familyTries bounds a question asked on one family only (a host's
	// missing address type, see browser.resolve): a host that has no
	// address of that family would otherwise be asked for ever.
	familyTries = 4
)

// famKey is one served interface and family.
type famKey struct {
	ifIndex int
	v6      bool
}

// askKey identifies a question: a record set, asked on every served
// interface and family, or (scoped) on one of them only.
type askKey struct {
	rrKey
	scoped bool
	on     famKey // with scoped
}

// question is a (name, type) someone needs answered, shared by every
// browser that needs it.
type question struct {
	key  askKey
	name string // presentation name as asked
	refs int
}

// slot is a record set's schedule on one interface and family, shared by
// the questions that ask for it there.
type slot struct {
	qs       []*question // usually one
	name     string
	due      time.Time
	interval time.Duration // 0 until the first query is sent, or re-asked
	sent     int
	last     time.Time // when it was last asked
}

// limited reports whether every question of the slot is a scoped one that
// has been asked familyTries times: the slot then stays silent.
func (sl *slot) limited() bool {
	for _, qs := range sl.qs {
		if !qs.key.scoped {
			return false
		}
	}
	return sl.sent >= familyTries
}

// refreshReq is a one-off refresh query (RFC 6762 §5.2) for a cached
// record past 80 % of its TTL.
type refreshReq struct {
	name string
	due  time.Time
	// reconfirm: POOF condemned the record (querier_poof.go); §7.3 must not
	// suppress this query, whose point is that another host's question
	// went unanswered.
	reconfirm bool
}

// sender holds what is to be asked on one interface and family.
type sender struct {
	fk      famKey
	slots   map[rrKey]*slot
	refresh map[rrKey]refreshReq
	task    *task
	at      time.Time
	hist    history
	// firstAt is the first query planned last, which questions started
	// after it join while it is at least firstQueryMin away.
	firstAt time.Time
}

func (q *querier) sender(fk famKey) *sender {
	s := q.senders[fk]
	if s == nil {
		s = &sender{fk: fk, slots: make(map[rrKey]*slot), refresh: make(map[rrKey]refreshReq)}
		q.senders[fk] = s
	}
	return s
}

// serves reports whether the Conn still serves fk.
func (q *querier) serves(fk famKey) (*ifaceState, bool) {
	ifi := q.c.ifaces[fk.ifIndex]
	if ifi == nil {
		return nil, false
	}
	if fk.v6 {
		return ifi, ifi.v6
	}
	return ifi, ifi.v4
}

// ask adds a reference to the question (name, typ) asked everywhere; the
// first reference starts querying for it.
func (q *querier) ask(name string, typ uint16) {
	q.askKey(askKey{rrKey: rrKey{name: canonical(name), typ: typ}}, name)
}

func (q *querier) unask(name string, typ uint16) {
	q.unaskKey(askKey{rrKey: rrKey{name: canonical(name), typ: typ}})
}

// askKey adds a reference to a question; the first one starts asking it on
// the families it covers.
func (q *querier) askKey(key askKey, name string) {
	qs := q.questions[key]
	if qs != nil {
		qs.refs++
		return
	}
	qs = &question{key: key, name: dottedName(name), refs: 1}
	q.questions[key] = qs
	q.c.families(func(ifi *ifaceState, v6 bool) {
		if fk := (famKey{ifi.Index, v6}); qs.covers(fk) {
			q.addSlot(q.sender(fk), qs)
		}
	})
}

// unaskKey drops a reference; the last one stops the question.
func (q *querier) unaskKey(key askKey) {
	qs := q.questions[key]
	if qs == nil {
		return
	}
	if qs.refs--; qs.refs > 0 {
		return
	}
	delete(q.questions, key)
	for _, s := range q.senders {
		if sl, ok := s.slots[key.rrKey]; ok && slices.Contains(sl.qs, qs) {
			sl.qs = slices.DeleteFunc(sl.qs, func(x *question) bool { return x == qs })
			if len(sl.qs) == 0 {
				delete(s.slots, key.rrKey)
			}
			// No reschedule: a query planned for nothing finds nothing
			// to send and plans the next.
		}
	}
}

// covers reports whether the question is asked on fk.
func (qs *question) covers(fk famKey) bool { return !qs.key.scoped || qs.key.on == fk }

// addSlot starts a question on one interface and family. Questions started
// together share their first query: a new one joins a first query already
// planned if that is still at least 20 ms away.
func (q *querier) addSlot(s *sender, qs *question) {
	if sl, ok := s.slots[qs.key.rrKey]; ok {
		if !slices.Contains(sl.qs, qs) {
			sl.qs = append(sl.qs, qs)
		}
		return
	}
	now := time.Now()
	due := s.firstAt
	if due.Sub(now) < firstQueryMin {
		due = now.Add(q.c.jitter(firstQueryMin, firstQueryMax))
		s.firstAt = due
	}
	s.slots[qs.key.rrKey] = &slot{qs: []*question{qs}, name: qs.name, due: due}
	q.wakeAt(s, due)
}

// wakeAt makes sure s sends by at: a sender with thousands of questions
// (as many instances being resolved) is not rescheduled from scratch for
// each one added.
func (q *querier) wakeAt(s *sender, at time.Time) {
	if s.task != nil && !at.Before(s.at) {
		return
	}
	q.reschedule(s)
}

// requestRefresh plans a refresh query for a cached record on the family
// it was heard on (the other one if that is gone).
func (q *querier) requestRefresh(e *cacheEntry) {
	fk := famKey{ifIndex: e.key.ifIndex, v6: e.v6}
	if _, ok := q.serves(fk); !ok {
		fk.v6 = !fk.v6
		if _, ok := q.serves(fk); !ok {
			return
		}
	}
	q.requestRefreshOn(e, fk)
}

// requestRefreshOn plans a refresh query for a cached record on fk, if
// fk is served.
func (q *querier) requestRefreshOn(e *cacheEntry, fk famKey) {
	if _, ok := q.serves(fk); !ok {
		return
	}
	s := q.sender(fk)
	key := rrKey{name: e.key.name, typ: e.key.typ}
	if r, ok := s.refresh[key]; ok {
		r.reconfirm = r.reconfirm || e.reconfirm
		s.refresh[key] = r
		return
	}
	s.refresh[key] = refreshReq{name: e.rr.Header().Name, due: time.Now(), reconfirm: e.reconfirm}
	q.reschedule(s)
}

// reask brings forward the question for key on every family of
// interface ifIndex that asks it, because a record it needs left the
// cache before its time. Like a first query (RFC 6762 §5.2) it goes out
// after 20–120 ms, but never within a second of the last query for it;
// the interval then starts again from one second.
func (q *querier) reask(ifIndex int, key rrKey) {
	now := time.Now()
	for _, v6 := range [...]bool{false, true} {
		s := q.senders[famKey{ifIndex, v6}]
		if s == nil {
			continue
		}
		sl := s.slots[key]
		if sl == nil || sl.limited() {
			continue
		}
		due := now.Add(q.c.jitter(firstQueryMin, firstQueryMax))
		if !sl.last.IsZero() && due.Before(sl.last.Add(firstInterval)) {
			due = sl.last.Add(firstInterval)
		}
		if due.Before(sl.due) {
			sl.due, sl.interval = due, 0
			q.reschedule(s)
		}
	}
}

// reschedule arms s's task for its next message. The earliest item fixes
// the time, but a repeated question (never a first query or a refresh,
// whose timing the RFC fixes more tightly) may wait up to queryAggregation
// for others due a little later.
func (q *querier) reschedule(s *sender) {
	var first, hard time.Time
	for _, sl := range s.slots {
		if sl.limited() {
			continue
		}
		if first.IsZero() || sl.due.Before(first) {
			first = sl.due
		}
		if sl.interval == 0 && (hard.IsZero() || sl.due.Before(hard)) {
			hard = sl.due
		}
	}
	for _, r := range s.refresh {
		if first.IsZero() || r.due.Before(first) {
			first = r.due
		}
		if hard.IsZero() || r.due.Before(hard) {
			hard = r.due
		}
	}
	if first.IsZero() {
		q.c.cancel(s.task)
		s.task = nil
		if len(s.hist.ring) == 0 && len(s.slots) == 0 {
			delete(q.senders, s.fk)
		}
		return
	}
	at := first
	if !first.Equal(hard) {
		limit := first.Add(queryAggregation)
		for _, sl := range s.slots {
			if !sl.limited() && sl.interval > 0 && sl.due.After(at) && !sl.due.After(limit) {
				at = sl.due
			}
		}
		if !hard.IsZero() && hard.Before(at) {
			at = hard
		}
	}
	if s.task != nil && s.at.Equal(at) {
		return
	}
	q.c.cancel(s.task)
	s.at = at
	s.task = q.c.after(at.Sub(time.Now()), func() {
		s.task = nil
		q.sendQueries(s)
	})
}

// sendQueries sends everything due on s in one query message (split by
// pack when the known answers do not fit, RFC 6762 §7.2).
func (q *querier) sendQueries(s *sender) {
	now := time.Now()
	ifi, ok := q.serves(s.fk)
	if !ok {
		return
	}
	type item struct {
		key   rrKey
		name  string
		force bool // not subject to duplicate question suppression
	}
	var items []item
	for key, sl := range s.slots {
		if sl.due.After(now) || sl.limited() {
			continue
		}
		// Carry on with the schedule whether or not §7.3 lets us ask.
		sl.interval = min(max(2*sl.interval, firstInterval), maxQueryInterval)
		sl.due = now.Add(sl.interval)
		sl.sent++
		sl.last = now
		items = append(items, item{key: key, name: sl.name})
	}
	for key, r := range s.refresh {
		if r.due.After(now) {
			continue
		}
		delete(s.refresh, key)
		if i := slices.IndexFunc(items, func(it item) bool { return it.key == key }); i >= 0 {
			items[i].force = items[i].force || r.reconfirm
		} else {
			items = append(items, item{key: key, name: r.name, force: r.reconfirm})
		}
	}
	slices.SortFunc(items, func(a, b item) int {
		return cmp.Or(cmp.Compare(a.key.name, b.key.name), cmp.Compare(a.key.typ, b.key.typ))
	})
	// Questions fill messages up to half the payload, leaving the rest
	// to the start of the known-answer list; more go in further messages.
	limit := ifi.limit(s.fk.v6) / 2
	var msgs []*outMsg
	m, size := &outMsg{}, 12
	for _, it := range items {
		ids := make(map[string]bool)
		ka := q.knownAnswers(s.fk, it.key.name, it.key.typ, now, ids)
		// RFC 6762 §7.3: another host just asked the same question and
		// the answers will come to us too.
		if !it.force && s.hist.covers(it.key, ids, now) {
			continue
		}
		qlen := len(it.name) + 6
		if len(m.questions) > 0 && size+qlen > limit {
			msgs = append(msgs, m)
			m, size = &outMsg{}, 12
		}
		size += qlen
		m.questions = append(m.questions, dnsmsg.Question{Name: it.name, Qtype: it.key.typ, Qclass: dnsmsg.ClassINET})
		m.answers = append(m.answers, ka...)
	}
	if len(m.questions) > 0 {
		msgs = append(msgs, m)
	}
	for _, m := range msgs {
		// RFC 6762 §18.1, §18.2: ID 0, QR clear.
		q.c.multicast(ifi, s.fk.v6, m)
	}
	q.reschedule(s)
}

// reconcileSenders makes the senders match the served interfaces and
// families: a newly served one starts every active question from scratch,
// one no longer served is forgotten.
func (q *querier) reconcileSenders() {
	for fk, s := range q.senders {
		if _, ok := q.serves(fk); !ok {
			q.c.cancel(s.task)
			delete(q.senders, fk)
		}
	}
	q.c.families(func(ifi *ifaceState, v6 bool) {
		fk := famKey{ifi.Index, v6}
		var s *sender
		for _, qs := range sortedQuestions(q.questions) {
			if !qs.covers(fk) {
				continue
			}
			if s == nil {
				s = q.sender(fk)
			}
			q.addSlot(s, qs)
		}
	})
}

func sortedQuestions(m map[askKey]*question) []*question {
	out := make([]*question, 0, len(m))
	for _, qs := range m {
		out = append(out, qs)
	}
	slices.SortFunc(out, func(a, b *question) int {
		return cmp.Or(cmp.Compare(a.key.name, b.key.name), cmp.Compare(a.key.typ, b.key.typ),
			cmp.Compare(a.key.on.ifIndex, b.key.on.ifIndex), boolCmp(a.key.on.v6, b.key.on.v6), boolCmp(a.key.scoped, b.key.scoped))
	})
	return out
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}
