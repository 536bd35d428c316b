package bench

import (
	"context"
	"fmt"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// A responder on an mdnstest link (real time, no faults, no packet log):
// host h1 runs a Conn with n services of type _http._tcp; h2 is a bare
// socket that asks. Everything below runs in process: the numbers are the
// engine's cost, with the simulated link instead of the kernel.
type responderRig struct {
	link   *mdnstest.Link
	h1, h2 *mdnstest.Host
	conn   *mdns.Conn
	server netip.AddrPort // h1's IPv4 address, port 5353
}

func newResponderRig(tb testing.TB, n int) *responderRig {
	tb.Helper()
	link := mdnstest.NewLink(mdnstest.LinkConfig{LogSize: -1})
	r := &responderRig{link: link, h1: link.AddHost("h1"), h2: link.AddHost("h2")}
	tb.Cleanup(func() { r.h2.Close(); r.h1.Close(); link.Close() })
	c, err := mdns.Listen(mdns.Config{Network: r.h1, DisableIPv6: true})
	if err != nil {
		tb.Fatal(err)
	}
	r.conn = c
	tb.Cleanup(func() { c.Close() })
	registerMany(tb, c, n)
	r.server = netip.AddrPortFrom(r.h1.Addrs("eth0")[0], mdns.Port)
	if !r.server.Addr().Is4() {
		tb.Fatalf("h1's first address %v is not IPv4", r.server.Addr())
	}
	return r
}

// registerMany registers n services on c at once and waits until every
// one is established (probed and announced, RFC 6762 §8).
func registerMany(tb testing.TB, c *mdns.Conn, n int) []*mdns.Registration {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	regs := make([]*mdns.Registration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			regs[i], errs[i] = c.Register(ctx, mdns.Service{
				Instance: fmt.Sprintf("Bench Web %d", i), Type: "_http._tcp", Port: 8080,
				Text: [][]byte{[]byte("path=/"), []byte("v=1")},
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			tb.Fatalf("registration %d: %v", i, err)
		}
	}
	return regs
}

// ask sends a PTR query for _http._tcp.local. from s to the rig's Conn and
// reads replies until they hold want answers, checking every reply is a
// response to this query. It returns the number of reply datagrams.
func (r *responderRig) ask(tb testing.TB, s mdns.PacketConn, id uint16, q []byte, want int, buf []byte) int {
	if _, err := s.WriteTo(q, r.server, 0); err != nil {
		tb.Fatal(err)
	}
	got, msgs := 0, 0
	for got < want {
		n, _, err := s.ReadFrom(buf)
		if err != nil {
			tb.Fatal(err)
		}
		b := buf[:n]
		if n < 12 || !isResponse(b) || msgID(b) != id {
			tb.Fatalf("reply %d bytes, id %d, want a response to query %d", n, msgID(b), id)
		}
		got += ancount(b)
		msgs++
		if truncated(b) {
			break // a legacy reply that did not fit 512 bytes: all there is
		}
	}
	return msgs
}

// BenchmarkConnAnswer times one PTR query for _http._tcp.local. answered
// end to end by a Conn with 1 or 100 registered services: the query is
// written by a socket on another simulated host, read by the Conn,
// parsed, checked, answered, packed, written, and read back. ns/op is the
// round trip; cpu-ns/op is the process's CPU time (getrusage, both cores)
// per query.
//
//   - direct: from port 5353 to the Conn's unicast address (RFC 6762 §5.5):
//     answered at once by unicast, every record, with SRV, TXT and A as
//     additional records (RFC 6763 §12), split to fit the MTU.
//   - legacy: from an ephemeral port (RFC 6762 §6.7), as hashicorp/mdns and
//     dns-sd stub resolvers ask: one reply of at most 512 bytes.
//
// A multicast query (QM) is not benchmarked this way: a record is
// multicast at most once a second (RFC 6762 §6), so a tight loop would
// measure suppression; its shared answers also wait 20–120 ms.
func BenchmarkConnAnswer(b *testing.B) {
	for _, n := range []int{1, 100} {
		r := newResponderRig(b, n)
		for _, mode := range []string{"direct", "legacy"} {
			b.Run(fmt.Sprintf("%s/services=%d", mode, n), func(b *testing.B) {
				port := mdns.Port
				if mode == "legacy" {
					port = 0
				}
				s, err := r.h2.ListenPacket("udp4", port)
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				want := n
				buf := make([]byte, 65536)
				var id uint16
				msgs := 0
				b.ReportAllocs()
				cpu0 := cpuTime()
				for b.Loop() {
					id++
					msgs += r.ask(b, s, id, question(id, "_http._tcp.local.", typePTR, false), want, buf)
				}
				b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
				b.ReportMetric(float64(msgs)/float64(b.N), "replies/op")
			})
		}
	}
}

// BenchmarkRegisterMemory measures the heap one registration costs: 1000
// services registered on one Conn, the live heap after a GC compared with
// the heap before the Conn was opened. heap-B/service is what stays;
// B/op (with -benchmem) is everything allocated for the 1000 on the way
// (probes, announcements, the simulated link).
func BenchmarkRegisterMemory(b *testing.B) {
	const n = 1000
	var heap int64
	for b.Loop() {
		b.StopTimer()
		link := mdnstest.NewLink(mdnstest.LinkConfig{LogSize: -1})
		h := link.AddHost("h1")
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		c, err := mdns.Listen(mdns.Config{Network: h, DisableIPv6: true})
		if err != nil {
			b.Fatal(err)
		}
		regs := registerMany(b, c, n)
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap += int64(after.HeapAlloc) - int64(before.HeapAlloc)
		runtime.KeepAlive(regs)
		c.Close()
		h.Close()
		link.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(heap)/float64(b.N)/n, "heap-B/service")
}
