// Package dnsmsg is mdnskit's DNS message codec: the header, questions and
// the resource records multicast DNS and DNS-SD use (A, AAAA, PTR, CNAME,
// SRV, TXT, NSEC), every other type kept as opaque RDATA (RFC 3597), and
// name compression (RFC 1035 §4.1.4).
//
// It replaces a general-purpose DNS library because package mdns needs
// only this much of DNS, and a general library's package initialisers
// (TLS, certificates, DNSSEC tables) cost every mdnskit process about
// 1.5 MB of resident memory for code it never runs (BENCH.md).
//
// Names are presentation-format strings with a trailing dot, a byte that is
// special in a name escaped as `\X` and any other byte outside printable
// ASCII as `\DDD` (RFC 1035 §5.1), so `My\.Printer._ipp._tcp.local.` holds
// the label "My.Printer". TXT character-strings are raw bytes. The RDATA
// of other types is kept as received: a name an mDNS sender compressed in
// it (RFC 6762 §18.14 allows that for any type) stays a pointer into the
// message it came in, which is fine for comparing records; package mdns
// never sends such records on.
//
// Input is hostile: decoding never panics, follows only backward
// compression pointers, and bounds names to 255 octets (RFC 1035 §2.3.4).
// Only package mdns imports it.
package dnsmsg
