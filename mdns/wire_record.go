package mdns

import (
	"github.com/miekg/dns"
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

func keyOf(rr dns.RR) rrKey {
	h := rr.Header()
	return rrKey{name: canonical(h.Name), typ: h.Rrtype}
}

func isCacheFlush(rr dns.RR) bool { return rr.Header().Class&cacheFlushBit != 0 }

func classOf(rr dns.RR) uint16 { return rr.Header().Class & classMask }

// rdata returns the uncompressed wire-format RDATA of rr. With canon set,
// names inside the RDATA are lower-cased first, so that two records that are
// the same DNS data compare equal (used for identity); without it the bytes
// are as sent, for the lexicographic comparison of RFC 6762 §8.2.
func rdata(rr dns.RR, canon bool) []byte {
	c := dns.Copy(rr)
	if canon {
		switch v := c.(type) {
		case *dns.PTR:
			v.Ptr = canonical(v.Ptr)
		case *dns.SRV:
			v.Target = canonical(v.Target)
		case *dns.CNAME:
			v.Target = canonical(v.Target)
		case *dns.NSEC:
			v.NextDomain = canonical(v.NextDomain)
		}
	}
	h := c.Header()
	h.Name = "."
	h.Ttl = 0
	h.Class = dns.ClassINET
	buf := make([]byte, dns.Len(c)+16)
	off, err := dns.PackRR(c, buf, 0, nil, false)
	if err != nil || off < 11 {
		return nil
	}
	// The owner "." is one byte, then type, class, TTL and RDLENGTH.
	return buf[11:off]
}

// withTTL returns a copy of rr with the given TTL and cache-flush bit.
func withTTL(rr dns.RR, ttl uint32, flush bool) dns.RR {
	c := dns.Copy(rr)
	h := c.Header()
	h.Ttl = ttl
	h.Class = dns.ClassINET
	if flush {
		h.Class |= cacheFlushBit
	}
	return c
}

func hdr(name string, typ uint16, ttl uint32) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: typ, Class: dns.ClassINET, Ttl: ttl}
}
