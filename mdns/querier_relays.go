package mdns

import (
	"net/netip"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// A relay is a source on the link that answers with addresses that are not
// on the link: an mDNS reflector (Avahi's enable-reflector) forwarding
// another link's records. The queries it sends are other links' queries,
// re-sent here: Avahi strips their known answers, and their answers come
// on the other link, where the original known answers suppressed them. So
// a relay's unanswered query is no sign that a record is gone (POOF, RFC
// 6762 §10.5), and its question is no reason to skip ours (duplicate
// question suppression, §7.3): we would wait for answers that never come
// here.
const (
	relayMemory = time.Hour
	maxRelays   = 64
)

// noteRelay marks in's source as a relay when the response carries an
// address record whose address is not on the receiving interface's
// subnets (link-local addresses say nothing either way).
func (q *querier) noteRelay(in *inMsg) {
	for _, sec := range [...][]dnsmsg.RR{in.msg.Answer, in.msg.Extra} {
		for _, rr := range sec {
			var a netip.Addr
			switch rr := rr.(type) {
			case *dnsmsg.A:
				a = rr.Addr
			case *dnsmsg.AAAA:
				a = rr.Addr
			default:
				continue
			}
			if !a.IsValid() || a.IsLinkLocalUnicast() || in.ifi.onLink(a) {
				continue
			}
			q.markRelay(in.src.Addr().WithZone(""))
			return
		}
	}
}

func (q *querier) markRelay(src netip.Addr) {
	now := time.Now()
	if _, ok := q.relays[src]; !ok && len(q.relays) >= maxRelays {
		var oldest netip.Addr
		for a, t := range q.relays {
			if !oldest.IsValid() || t.Before(q.relays[oldest]) {
				oldest = a
			}
		}
		delete(q.relays, oldest)
	}
	q.relays[src] = now
}

// isRelay reports whether src relayed another link's records lately.
func (q *querier) isRelay(src netip.Addr) bool {
	t, ok := q.relays[src.WithZone("")]
	return ok && time.Since(t) < relayMemory
}
