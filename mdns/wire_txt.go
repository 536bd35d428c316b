package mdns

import (
	"fmt"
	"strings"

	"github.com/miekg/dns"
)

// miekg/dns keeps TXT character-strings in presentation format: it unescapes
// `\"`, `\\` and `\DDD` when packing and produces them when unpacking. Our
// callers deal in raw bytes (package txt), so this file is the only place
// where TXT bytes meet miekg's escaping.

// txtRR builds a TXT record from raw character-strings. An empty set becomes
// one empty string: RFC 6763 §6.1 forbids an empty RDATA.
func txtRR(name string, ttl uint32, strs [][]byte) *dns.TXT {
	if len(strs) == 0 {
		strs = [][]byte{{}}
	}
	out := make([]string, len(strs))
	for i, s := range strs {
		out[i] = escapeTXT(s)
	}
	return &dns.TXT{Hdr: hdr(name, dns.TypeTXT, ttl), Txt: out}
}

func escapeTXT(s []byte) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c > 0x7e:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// txtStrings returns the raw character-strings of a TXT record.
func txtStrings(rr *dns.TXT) [][]byte {
	out := make([][]byte, len(rr.Txt))
	for i, s := range rr.Txt {
		out[i] = unescapeTXT(s)
	}
	return out
}

func unescapeTXT(s string) []byte {
	if !strings.ContainsRune(s, '\\') {
		return []byte(s)
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			b = append(b, c)
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			v := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0')
			if v <= 255 {
				b = append(b, byte(v))
				i += 3
				continue
			}
		}
		b = append(b, s[i+1])
		i++
	}
	return b
}
