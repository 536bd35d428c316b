package mdns

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"testing"

	hashimdns "github.com/hashicorp/mdns"
	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
	"github.com/miekg/dns"
)

// Benchmarks of the engine's hot paths, run by `go test -bench . ./mdns/`
// and reported in BENCH.md. The end-to-end numbers (a Conn answering over
// a link, memory per registration) are in internal/bench; these isolate
// parsing, packing and the cache. The hashicorp/mdns benchmarks run the
// same work the way its server does it, for comparison.

// BenchmarkParseMessage parses the real Avahi and python-zeroconf messages
// of testdata/captures one after the other: one op is one message, with
// every check parseMessage makes on hostile input. Some python-zeroconf
// 0.47 messages carry NSEC records the decoder refuses, so they take the
// record-by-record fallback (unpackLenient) after a failed Unpack.
func BenchmarkParseMessage(b *testing.B) {
	all := realCaptures(b)
	for _, src := range []string{"avahi", "zeroconf", "all"} {
		var caps []capture
		for _, c := range all {
			if src == "all" || strings.HasPrefix(c.name, src+"-") {
				caps = append(caps, c)
			}
		}
		b.Run(src, func(b *testing.B) {
			size := 0
			for _, c := range caps {
				size += len(c.data)
			}
			b.SetBytes(int64(size / len(caps)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				c := caps[i%len(caps)]
				if _, _, why := parseMessage(c.data); why != dropNone {
					b.Fatalf("%s dropped: %v", c.name, why)
				}
				i++
			}
		})
	}
}

// BenchmarkParseMessageUnpackOnly is the codec's Unpack alone on the same
// messages, the floor under parseMessage; BenchmarkMiekgUnpack is
// miekg/dns's, what hashicorp/mdns does with a packet. (python-zeroconf's
// captures with an empty NSEC bitmap block fail in both; they still cost
// what they cost.)
func BenchmarkParseMessageUnpackOnly(b *testing.B) {
	caps := realCaptures(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := new(dnsmsg.Msg)
		_ = m.Unpack(caps[i%len(caps)].data)
		i++
	}
}

func BenchmarkMiekgUnpack(b *testing.B) {
	caps := realCaptures(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		m := new(dns.Msg)
		_ = m.Unpack(caps[i%len(caps)].data)
		i++
	}
}

// benchService is the one service both implementations publish in these
// benchmarks: what mdns-announce -n 'Bench Web' -s _http._tcp -p 8080
// --txt path=/ --txt v=1 would put on the wire for host gohost.
var benchService = struct {
	instance, typ, host string
	port                uint16
	v4, v6              netip.Addr
	txt                 []string
}{"Bench Web", "_http._tcp", "gohost", 8080, netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1"), []string{"path=/", "v=1"}}

// ourResponse is the response we send to a PTR query for benchService:
// the PTR as the answer, SRV, TXT, A and AAAA as additional records
// (RFC 6763 §12), unique records with the cache-flush bit.
func ourResponse() *outMsg {
	s := benchService
	typ := s.typ + ".local."
	inst := `Bench\ Web.` + typ
	host := s.host + ".local."
	txt := make([][]byte, len(s.txt))
	for i, t := range s.txt {
		txt[i] = []byte(t)
	}
	flush := func(rr dnsmsg.RR) dnsmsg.RR { rr.Header().Class |= cacheFlushBit; return rr }
	return &outMsg{
		response: true, authoritative: true,
		answers: []dnsmsg.RR{&dnsmsg.PTR{Hdr: hdr(typ, dnsmsg.TypePTR, 4500), Ptr: inst}},
		additional: []dnsmsg.RR{
			flush(&dnsmsg.SRV{Hdr: hdr(inst, dnsmsg.TypeSRV, 120), Port: s.port, Target: host}),
			flush(txtRR(inst, 4500, txt)),
			flush(&dnsmsg.A{Hdr: hdr(host, dnsmsg.TypeA, 120), Addr: s.v4}),
			flush(&dnsmsg.AAAA{Hdr: hdr(host, dnsmsg.TypeAAAA, 120), Addr: s.v6}),
		},
	}
}

// BenchmarkPackResponse packs that response for a 1500-byte Ethernet MTU:
// the size check, the split and name compression.
func BenchmarkPackResponse(b *testing.B) {
	m := ourResponse()
	limit := payloadLimit(1500, false)
	b.ReportAllocs()
	for b.Loop() {
		if out := pack(m, limit); len(out) != 1 {
			b.Fatalf("%d messages", len(out))
		}
	}
}

// BenchmarkPackResponse100 packs a response to a PTR query with 100
// instances on the host (100 PTR answers with their additionals), split
// to fit the MTU.
func BenchmarkPackResponse100(b *testing.B) {
	base := ourResponse()
	m := &outMsg{response: true, authoritative: true}
	for i := range 100 {
		inst := fmt.Sprintf("Bench\\ Web\\ %d._http._tcp.local.", i)
		m.answers = append(m.answers, &dnsmsg.PTR{Hdr: hdr("_http._tcp.local.", dnsmsg.TypePTR, 4500), Ptr: inst})
		srv := dnsmsg.Copy(base.additional[0])
		srv.Header().Name = inst
		txt := dnsmsg.Copy(base.additional[1])
		txt.Header().Name = inst
		m.additional = append(m.additional, srv, txt)
	}
	m.additional = append(m.additional, base.additional[2:]...)
	limit := payloadLimit(1500, false)
	b.ReportAllocs()
	for b.Loop() {
		if out := pack(m, limit); len(out) < 2 {
			b.Fatalf("%d messages", len(out))
		}
	}
}

// hashiZone is benchService as a hashicorp/mdns zone.
func hashiZone(b *testing.B) *hashimdns.MDNSService {
	s := benchService
	z, err := hashimdns.NewMDNSService(s.instance, s.typ, "", s.host+".local.", int(s.port),
		[]net.IP{s.v4.AsSlice(), s.v6.AsSlice()}, s.txt)
	if err != nil {
		b.Fatal(err)
	}
	return z
}

// BenchmarkHashicorpPackResponse is hashicorp's server building and packing
// its answer to the same PTR query: Zone.Records, then Msg.Pack
// (server.go handleQuery and sendResponse; it puts every record in the
// answer section).
func BenchmarkHashicorpPackResponse(b *testing.B) {
	z := hashiZone(b)
	q := dns.Question{Name: "_http._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET}
	b.ReportAllocs()
	for b.Loop() {
		m := &dns.Msg{MsgHdr: dns.MsgHdr{Response: true, Authoritative: true}, Compress: true, Answer: z.Records(q)}
		if _, err := m.Pack(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashicorpHandleQuery is hashicorp's whole in-process answer to a
// legacy PTR query, without the socket: Unpack, Zone.Records per question,
// Pack. Compare with internal/bench's BenchmarkConnAnswer, which adds our
// engine's loop, the simulated link and the querier's side.
func BenchmarkHashicorpHandleQuery(b *testing.B) {
	z := hashiZone(b)
	qm := new(dns.Msg)
	qm.SetQuestion("_http._tcp.local.", dns.TypePTR)
	qm.RecursionDesired = false
	query, err := qm.Pack()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		in := new(dns.Msg)
		if err := in.Unpack(query); err != nil {
			b.Fatal(err)
		}
		var answer []dns.RR
		for _, q := range in.Question {
			answer = append(answer, z.Records(q)...)
		}
		m := &dns.Msg{MsgHdr: dns.MsgHdr{Id: in.Id, Response: true, Authoritative: true}, Compress: true, Answer: answer}
		if _, err := m.Pack(); err != nil {
			b.Fatal(err)
		}
	}
}

// benchQuerier is a querier on a bare Conn (no sockets, no loop): the
// cache and its schedule, driven directly.
func benchQuerier(maxCache int) (*querier, *ifaceState) {
	c := &Conn{cfg: Config{MaxCacheRecords: maxCache}, rnd: rand.New(rand.NewPCG(1, 2))}
	ifi := &ifaceState{Interface: Interface{Index: 2, Name: "eth0", MTU: 1500,
		Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/24")}}, v4: true}
	return newQuerier(c), ifi
}

// announcement is what a host announcing instance i sends: PTR, SRV, TXT
// and A, the unique ones with the cache-flush bit.
func announcement(i int) *dnsmsg.Msg {
	inst := fmt.Sprintf("svc-%d._http._tcp.local.", i)
	host := fmt.Sprintf("host-%d.local.", i)
	m := new(dnsmsg.Msg)
	m.Response = true
	m.Answer = []dnsmsg.RR{
		&dnsmsg.PTR{Hdr: hdr("_http._tcp.local.", dnsmsg.TypePTR, 4500), Ptr: inst},
		&dnsmsg.SRV{Hdr: dnsmsg.Header{Name: inst, Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET | cacheFlushBit, TTL: 120}, Port: 80, Target: host},
		txtRR(inst, 4500, [][]byte{[]byte("path=/"), []byte(fmt.Sprintf("id=%d", i))}),
		&dnsmsg.A{Hdr: dnsmsg.Header{Name: host, Type: dnsmsg.TypeA, Class: dnsmsg.ClassINET | cacheFlushBit, TTL: 120}, Addr: netip.AddrFrom4([4]byte{10, 0, byte(i >> 8), byte(i)})},
	}
	return m
}

// BenchmarkCacheStoreFull stores announcements of new instances into a
// cache that is already full (4096 records): every op caches 4 records and
// evicts 4 (RFC 6762 §10 cache with a bound), all from one source, which
// pays with its own records (cache_evict.go). One op is one 4-record
// response.
func BenchmarkCacheStoreFull(b *testing.B) {
	const max = 4096
	q, ifi := benchQuerier(max)
	msgs := make([]*dnsmsg.Msg, 8192)
	for i := range msgs {
		msgs[i] = announcement(i)
	}
	i := 0
	for q.cache.total < max {
		q.storeResponse(&inMsg{msg: msgs[i%len(msgs)], ifi: ifi})
		i++
	}
	before := q.c.stats.evictions.Load()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		q.storeResponse(&inMsg{msg: msgs[i%len(msgs)], ifi: ifi})
		i++
		n++
	}
	b.StopTimer()
	if q.cache.total > max {
		b.Fatalf("cache holds %d records, bound %d", q.cache.total, max)
	}
	if ev := q.c.stats.evictions.Load() - before; ev == 0 {
		b.Fatalf("no evictions in %d stores into a full cache", n)
	}
}

// BenchmarkCacheRefresh stores the same announcement again and again, as
// a browser's cache sees a service answering refresh queries: every op
// finds the 4 records and renews them.
func BenchmarkCacheRefresh(b *testing.B) {
	q, ifi := benchQuerier(0)
	for i := range 1000 {
		q.storeResponse(&inMsg{msg: announcement(i), ifi: ifi})
	}
	m := announcement(7)
	total := q.cache.total
	b.ReportAllocs()
	for b.Loop() {
		q.storeResponse(&inMsg{msg: m, ifi: ifi})
	}
	b.StopTimer()
	if q.cache.total != total {
		b.Fatalf("cache grew from %d to %d on refreshes", total, q.cache.total)
	}
}

// A sanity check of the benchmark fixtures, so a plain `go test` notices
// when they stop doing what the benchmarks claim.
func TestBenchFixtures(t *testing.T) {
	out := pack(ourResponse(), payloadLimit(1500, false))
	if len(out) != 1 {
		t.Fatalf("benchmark response packs to %d messages", len(out))
	}
	m, _, why := parseMessage(out[0])
	if why != dropNone || len(m.Answer) != 1 || len(m.Extra) != 4 {
		t.Fatalf("benchmark response: %v, %v", why, m)
	}
	q, ifi := benchQuerier(64)
	for i := range 100 {
		q.storeResponse(&inMsg{msg: announcement(i), ifi: ifi})
	}
	if q.cache.total > 64 || q.c.stats.evictions.Load() == 0 {
		t.Fatalf("cache of 64 after 400 records: %d records, %d evictions", q.cache.total, q.c.stats.evictions.Load())
	}
}
