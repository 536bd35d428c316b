package mdns

import (
	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// RFC 6762 §10.2 and §5.4: the top bit of rrclass is the cache-flush bit in
// records and the unicast-response (QU) bit in questions.
const (
	classMask     = 0x7fff
	cacheFlushBit = 0x8000
	quBit         = 0x8000
)

// rrKey identifies an RRset: canonical owner name and type (class is always
// IN for us; records of other classes are ignored on input).
type rrKey struct {
	name string
	typ  uint16
}

func keyOf(rr dnsmsg.RR) rrKey {
	h := rr.Header()
	return rrKey{name: canonical(h.Name), typ: h.Type}
}

func isCacheFlush(rr dnsmsg.RR) bool { return rr.Header().Class&cacheFlushBit != 0 }

func classOf(rr dnsmsg.RR) uint16 { return rr.Header().Class & classMask }

// rdata returns the uncompressed wire-format RDATA of rr. With canon set,
// names inside the RDATA are lower-cased first, so that two records that are
// the same DNS data compare equal (used for identity); without it the bytes
// are as sent, for the lexicographic comparison of RFC 6762 §8.2.
func rdata(rr dnsmsg.RR, canon bool) []byte {
	c := dnsmsg.Copy(rr)
	if canon {
		switch v := c.(type) {
		case *dnsmsg.PTR:
			v.Ptr = canonical(v.Ptr)
		case *dnsmsg.SRV:
			v.Target = canonical(v.Target)
		case *dnsmsg.CNAME:
			v.Target = canonical(v.Target)
		case *dnsmsg.NSEC:
			v.NextDomain = canonical(v.NextDomain)
		}
	}
	return dnsmsg.Rdata(c)
}

// withTTL returns a copy of rr with the given TTL and cache-flush bit.
func withTTL(rr dnsmsg.RR, ttl uint32, flush bool) dnsmsg.RR {
	c := dnsmsg.Copy(rr)
	h := c.Header()
	h.TTL = ttl
	h.Class = dnsmsg.ClassINET
	if flush {
		h.Class |= cacheFlushBit
	}
	return c
}

func hdr(name string, typ uint16, ttl uint32) dnsmsg.Header {
	return dnsmsg.Header{Name: name, Type: typ, Class: dnsmsg.ClassINET, TTL: ttl}
}
