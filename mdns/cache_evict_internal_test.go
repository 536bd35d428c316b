package mdns

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// The eviction policy (cache_evict.go), driven directly on a bare querier:
// who gives way when the cache is full.

func fromSrc(src string, ifi *ifaceState, rrs ...dnsmsg.RR) *inMsg {
	return &inMsg{msg: response(rrs...), ifi: ifi, src: netip.MustParseAddrPort(src)}
}

func aRecord(name string, i int, ttl uint32) dnsmsg.RR {
	return &dnsmsg.A{Hdr: hdr(name, dnsmsg.TypeA, ttl), Addr: netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})}
}

func (c *cache) countOf(src string) int {
	ap := netip.MustParseAddrPort(src)
	for k, s := range c.sources {
		if k.addr == ap.Addr() {
			return s.count
		}
	}
	return 0
}

// A full cache: a source at its share pays for its newcomers with its own
// records; any other source's newcomers push out the records of the source
// holding the most. Two sources end with half the cache each, whichever
// came first.
func TestCacheShareBetweenSources(t *testing.T) {
	q, ifi := benchQuerier(1000)
	const a, b = "10.0.0.10:5353", "10.0.0.20:5353"
	for i := range 800 {
		q.storeResponse(fromSrc(a, ifi, aRecord(fmt.Sprintf("a%d.local.", i), i, 120)))
	}
	for i := range 10000 {
		q.storeResponse(fromSrc(b, ifi, aRecord(fmt.Sprintf("b%d.local.", i), i, 120)))
	}
	if got, want := [2]int{q.cache.countOf(a), q.cache.countOf(b)}, [2]int{500, 500}; got != want {
		t.Errorf("records of A and B: %v, want %v (half of 1000 each)", got, want)
	}
	if q.cache.total != 1000 {
		t.Errorf("cache holds %d records, bound 1000", q.cache.total)
	}
	// A lost its oldest records (soonest to expire), not its newest.
	if q.cache.find(cacheKey{ifi.Index, "a799.local.", dnsmsg.TypeA}, string(rdata(aRecord("a799.local.", 799, 120), true))) == nil {
		t.Error("A's newest record was evicted")
	}
	if q.cache.find(cacheKey{ifi.Index, "a0.local.", dnsmsg.TypeA}, string(rdata(aRecord("a0.local.", 0, 120), true))) != nil {
		t.Error("A's oldest record survived")
	}
	// A third source gets a third.
	const c = "10.0.0.30:5353"
	for i := range 10000 {
		q.storeResponse(fromSrc(c, ifi, aRecord(fmt.Sprintf("c%d.local.", i), i, 120)))
	}
	if got := [3]int{q.cache.countOf(a), q.cache.countOf(b), q.cache.countOf(c)}; got != [3]int{333, 334, 333} && got != [3]int{334, 333, 333} {
		t.Errorf("records of A, B and C: %v, want a third of 1000 each", got)
	}
}

// Records a running browse depends on (pinned) are never evicted: not by
// their own source, not by another, not by a flood from many addresses.
// When nothing else is left to evict, the newcomer is dropped.
func TestCacheProtectsPinnedRecords(t *testing.T) {
	q, ifi := benchQuerier(100)
	const legit = "10.0.0.3:5353"
	for i := range 60 {
		q.storeResponse(fromSrc(legit, ifi, aRecord(fmt.Sprintf("legit%d.local.", i), i, 120)))
	}
	for i := range 60 {
		q.cache.pin(fmt.Sprintf("legit%d.local.", i))
	}
	// 10,000 records from as many addresses (link-local IPv6: anyone on
	// the link can make up new ones).
	for i := range 10000 {
		src := netip.AddrPortFrom(netip.AddrFrom16([16]byte{0: 0xfe, 1: 0x80, 14: byte(i >> 8), 15: byte(i)}), 5353)
		q.storeResponse(&inMsg{msg: fromSrc(legit, ifi, aRecord(fmt.Sprintf("f%d.local.", i), i, 4500)).msg, ifi: ifi, src: src})
	}
	if got := q.cache.countOf(legit); got != 60 {
		t.Fatalf("%d of legit's 60 pinned records left", got)
	}
	if q.cache.total != 100 {
		t.Errorf("cache holds %d records, bound 100", q.cache.total)
	}
	// Legit itself, over its share with nothing but pinned records, cannot
	// push its own pinned records out either: its newcomer is dropped.
	dropped := q.c.stats.cacheDropped.Load()
	q.storeResponse(fromSrc(legit, ifi, aRecord("legit-new.local.", 1, 120)))
	if q.c.stats.cacheDropped.Load() != dropped+1 || q.cache.countOf(legit) != 60 {
		t.Errorf("a newcomer of a source holding only pinned records: %d dropped, legit holds %d", q.c.stats.cacheDropped.Load()-dropped, q.cache.countOf(legit))
	}
	// Unpinned, they are ordinary records again: the flood takes them.
	for i := range 60 {
		q.cache.unpin(fmt.Sprintf("legit%d.local.", i))
	}
	for i := range 1000 {
		q.storeResponse(fromSrc("10.0.0.99:5353", ifi, aRecord(fmt.Sprintf("g%d.local.", i), i, 4500)))
	}
	if got := q.cache.countOf(legit); got >= 60 {
		t.Errorf("unpinned, legit still holds %d records", got)
	}
}

// A PTR record is protected through the instance it names: pinning the
// instance protects the PTR at the type, and unpinning releases it.
func TestCachePinnedInstanceProtectsItsPTR(t *testing.T) {
	q, ifi := benchQuerier(10)
	ptr := &dnsmsg.PTR{Hdr: hdr("_x._tcp.local.", dnsmsg.TypePTR, 4500), Ptr: "Legit._x._tcp.local."}
	q.storeResponse(fromSrc("10.0.0.3:5353", ifi, ptr))
	q.cache.pin("legit._x._tcp.local.")
	for i := range 100 {
		q.storeResponse(fromSrc("10.0.0.99:5353", ifi, &dnsmsg.PTR{Hdr: hdr("_x._tcp.local.", dnsmsg.TypePTR, 4500), Ptr: fmt.Sprintf("F%d._x._tcp.local.", i)}))
	}
	if _, ok := q.ptrTo("_x._tcp.local.", "legit._x._tcp.local."); !ok {
		t.Fatal("the pinned instance's PTR was evicted")
	}
	q.cache.unpin("legit._x._tcp.local.")
	e := q.cache.byTarget["legit._x._tcp.local."][0]
	if e.protected || e.hidx < 0 {
		t.Errorf("unpinned PTR: protected=%v, in its source's heap=%v", e.protected, e.hidx >= 0)
	}
}

// Within a source, the record that would expire first goes first; a
// newcomer that would expire sooner than all of them is not stored.
func TestCacheEvictsSoonestExpiringOfTheSource(t *testing.T) {
	q, ifi := benchQuerier(3)
	const a = "10.0.0.10:5353"
	q.storeResponse(fromSrc(a, ifi, aRecord("long.local.", 1, 4500), aRecord("short.local.", 2, 10), aRecord("mid.local.", 3, 120)))
	q.storeResponse(fromSrc(a, ifi, aRecord("new.local.", 4, 60)))
	if q.latest("short.local.", dnsmsg.TypeA) != nil || q.latest("new.local.", dnsmsg.TypeA) == nil {
		t.Error("want short.local evicted for new.local")
	}
	q.storeResponse(fromSrc(a, ifi, aRecord("brief.local.", 5, 1)))
	if q.latest("brief.local.", dnsmsg.TypeA) != nil || q.c.stats.cacheDropped.Load() != 1 {
		t.Error("a newcomer expiring before every other record of its source must be dropped")
	}
}

// A source holding more than half the cache keeps its protection only up
// to half: another source's newcomers take the rest, so no host keeps the
// others out by having its records resolved. At half or under, its
// protected records stay and the newcomers are dropped.
func TestCacheProtectionUpToHalf(t *testing.T) {
	q, ifi := benchQuerier(100)
	const a, b = "10.0.0.10:5353", "10.0.0.20:5353"
	for i := range 90 {
		name := fmt.Sprintf("a%d.local.", i)
		q.storeResponse(fromSrc(a, ifi, aRecord(name, i, 120)))
		q.cache.pin(name)
	}
	for i := range 200 {
		q.storeResponse(fromSrc(b, ifi, aRecord(fmt.Sprintf("b%d.local.", i), i, 120)))
	}
	if got := [2]int{q.cache.countOf(a), q.cache.countOf(b)}; got != [2]int{50, 50} {
		t.Errorf("records of A (all protected) and B: %v, want A down to half the cache", got)
	}
	// A third source: B pays with its unprotected records, A keeps its 50.
	for i := range 200 {
		q.storeResponse(fromSrc("10.0.0.30:5353", ifi, aRecord(fmt.Sprintf("c%d.local.", i), i, 120)))
	}
	if got := q.cache.countOf(a); got != 50 {
		t.Errorf("A holds %d records after C came, want its 50", got)
	}
}
