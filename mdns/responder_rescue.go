package mdns

import (
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// rescueDelay is how long after another responder's goodbye for a record
// of ours we multicast the record again. Goodbyes come in pairs 250 ms
// apart (ours, mDNSResponder's); the second one would set the queriers'
// one-second countdown going again after an earlier rescue, and the next
// rescue could follow only a second after it (RFC 6762 §6), too late by
// the time the rescue itself took. Half a second covers both goodbyes
// and leaves half a second before the queriers delete the record.
const rescueDelay = 500 * time.Millisecond

// rescue multicasts again the records of ours that another responder has
// just said goodbye to. RFC 6762 §10.1: a querier deletes a record one
// second after its goodbye, which "gives the other cooperating responders
// one second to send out their own response to 'rescue' the records
// before they expire". They are ours too when two programs on one
// machine publish its host name: the first to close withdraws the
// addresses the other still serves, and without a rescue every browser
// on the link drops the other's services for as long as it takes to ask
// again. A stranger's goodbyes cannot make us send more than the rate
// limit allows (queueMC and flushMC: once a second per record and
// interface, RFC 6762 §6).
func (r *responder) rescue(ifr *ifResp, v6 bool, recs []dnsmsg.RR) {
	var pub *pubSet
	f := fam(v6)
	for _, rr := range recs {
		if rr.Header().TTL != 0 || classOf(rr) != dnsmsg.ClassINET {
			continue
		}
		if pub == nil {
			pub = r.published(ifr.ifi)
		}
		p := pub.byID[respID(rr)]
		if p == nil {
			continue
		}
		if ifr.rescuing[f] == nil {
			ifr.rescuing[f] = make(map[string]bool)
			r.c.after(rescueDelay, func() { r.sendRescue(ifr, v6) })
		}
		ifr.rescuing[f][p.id] = true
	}
}

// sendRescue multicasts the records waiting for their rescue that we
// still publish.
func (r *responder) sendRescue(ifr *ifResp, v6 bool) {
	f := fam(v6)
	ids := ifr.rescuing[f]
	ifr.rescuing[f] = nil
	if ifr.gone || r.closed {
		return
	}
	live := r.published(ifr.ifi).byID
	var recs []*prr
	for id := range ids {
		if p := live[id]; p != nil {
			recs = append(recs, p)
		}
	}
	if len(recs) > 0 {
		r.queueMC(ifr, v6, recs, time.Now(), false)
	}
}
