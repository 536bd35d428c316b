package mdns

import (
	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// Reverse-mapping PTRs ("1.0.0.10.in-addr.arpa. PTR h1.local.") are a
// courtesy, not a name we claim. On a host where avahi-daemon or
// mDNSResponder also runs, that responder publishes the same reverse name
// for the same address, pointing at its own host name, as a unique record:
// if we announced or defended ours, it would see a conflict (RFC 6762 §9)
// and rename the whole host. So we probe the reverse names together with
// the host name, never defend them, and stop publishing one as soon as
// another responder asserts it (a probe, or a record with other data).

// reverseNames returns the canonical reverse names of every address we
// serve.
func (r *responder) reverseNames() map[string]bool {
	out := make(map[string]bool)
	for _, ifr := range r.ifs {
		addrs := append(ifr.ifi.addrs(false), ifr.ifi.addrs(true)...)
		for _, p := range r.proxies {
			addrs = append(addrs, p.addrsOn(ifr.ifi)...)
		}
		for _, a := range addrs {
			if rev := dnsmsg.ReverseAddr(a); rev != "" {
				out[canonical(rev)] = true
			}
		}
	}
	return out
}

// yieldReverse stops publishing a reverse name another responder holds.
func (r *responder) yieldReverse(name string) {
	if !r.yielded[name] {
		r.yielded[name] = true
		r.changed()
		r.c.logf("another responder publishes %s; leaving it to it", name)
	}
}

// isOurs reports whether rr is one of our records, on any interface.
func (r *responder) isOurs(rr dnsmsg.RR) bool {
	return r.allRecordIDs()[respID(rr)]
}
