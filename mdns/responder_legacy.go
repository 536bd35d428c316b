package mdns

import (
	"github.com/miekg/dns"
)

// answerLegacy answers a query from a port other than 5353 (RFC 6762
// §6.7): by unicast to the source address and port, at once, with the
// query ID and question echoed, TTLs of at most 10 s and no cache-flush
// bit, in one message of at most 512 bytes unless the query's EDNS0
// record allows more, TC set when answers had to be left out.
func (r *responder) answerLegacy(ifr *ifResp, in *inMsg) {
	m := in.msg
	if len(m.Question) == 0 || m.Truncated {
		return
	}
	pub := r.published(ifr.ifi)
	answers, _ := collect(pub, m.Question, knownAnswers(m.Answer))
	if len(answers) == 0 {
		return
	}
	limit := legacyMaxSize
	if opt := m.IsEdns0(); opt != nil && int(opt.UDPSize()) > limit {
		limit = min(int(opt.UDPSize()), ifr.ifi.limit(in.v6))
	}
	o := respOpts{id: m.Id, legacy: true}
	for _, g := range groups(answers) {
		limit := limit
		if groupOwner(g) != nil {
			// hashicorp/mdns-derived clients (go-micro) ask from an
			// ephemeral port without EDNS0 but need the whole instance in
			// one message, and read replies of up to 64 KiB: a 512-byte
			// cut would drop the TXT and hide the service from them.
			limit = max(limit, ifr.ifi.limit(in.v6))
		}
		d := new(dns.Msg)
		d.Id = m.Id
		d.Response = true
		d.Authoritative = true
		d.Compress = true
		d.Question = append([]dns.Question(nil), m.Question...)
		sz := newSizer(d, limit)
		for _, p := range g {
			if !sz.add(&d.Answer, o.rr(p)) {
				d.Truncated = true
				break
			}
		}
		if len(d.Answer) == 0 {
			continue
		}
		if !d.Truncated {
			// RFC 6763 §12: additional records only where they fit.
			ex, _ := additionals(pub, g, nil)
			for _, p := range ex {
				sz.add(&d.Extra, o.rr(p))
			}
		}
		b, err := d.Pack()
		if err != nil {
			continue
		}
		r.c.write(in.v6, b, in.src, ifr.ifi.Index)
	}
}
