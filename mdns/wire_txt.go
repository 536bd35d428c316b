package mdns

import (
	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// txtRR builds a TXT record from raw character-strings. An empty set becomes
// one empty string: RFC 6763 §6.1 forbids an empty RDATA.
func txtRR(name string, ttl uint32, strs [][]byte) *dnsmsg.TXT {
	if len(strs) == 0 {
		strs = [][]byte{{}}
	}
	out := make([]string, len(strs))
	for i, s := range strs {
		out[i] = string(s)
	}
	return &dnsmsg.TXT{Hdr: hdr(name, dnsmsg.TypeTXT, ttl), Txt: out}
}

// txtStrings returns the raw character-strings of a TXT record.
func txtStrings(rr *dnsmsg.TXT) [][]byte {
	out := make([][]byte, len(rr.Txt))
	for i, s := range rr.Txt {
		out[i] = []byte(s)
	}
	return out
}
