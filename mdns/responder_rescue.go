package mdns

import (
	"time"

	"github.com/miekg/dns"
)

// rescue multicasts again, at once, the records of ours that another
// responder has just said goodbye to. RFC 6762 §10.1: a querier deletes
// a record one second after its goodbye, which "gives the other
// cooperating responders one second to send out their own response to
// 'rescue' the records before they expire". They are ours too when two
// programs on one machine publish its host name: the first to close
// withdraws the addresses the other still serves, and without a rescue
// every browser on the link drops the other's services for as long as it
// takes to ask again. A stranger's goodbyes cannot make us send more than
// the rate limit allows (queueMC and flushMC: once a second per record
// and interface, RFC 6762 §6).
func (r *responder) rescue(ifr *ifResp, v6 bool, recs []dns.RR) {
	var pub *pubSet
	var ours []*prr
	for _, rr := range recs {
		if rr.Header().Ttl != 0 || classOf(rr) != dns.ClassINET {
			continue
		}
		if pub == nil {
			pub = r.published(ifr.ifi)
		}
		if p := pub.byID[respID(rr)]; p != nil {
			ours = append(ours, p)
		}
	}
	if len(ours) > 0 {
		r.queueMC(ifr, v6, ours, time.Now(), false)
	}
}
