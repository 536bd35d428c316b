package bench

import (
	"context"
	"io"
	"log"
	"net"
	"testing"
	"time"

	hashimdns "github.com/hashicorp/mdns"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// TestLoopbackBench compares the cost of answering a query on real
// sockets: our Conn and hashicorp/mdns's Server, each in turn publishing
// the same service on lo of a fresh network namespace, answer legacy
// unicast PTR queries (RFC 6762 §6.7: from an ephemeral port, answered at
// once to that port — the one kind of query both answer without delay)
// from a client socket in the same process. It reports the round trip and
// the process's CPU time per query (client and server together, the same
// client for both). Gated like the LAN harness: MDNS_BENCH=1, as root.
func TestLoopbackBench(t *testing.T) {
	benchReps(t)
	testlan.Loopback(t, func(t *testing.T) {
		const typ, instance = "_http._tcp", "Bench Web"
		servers := []struct {
			name  string
			start func(t *testing.T) func()
		}{
			{"mdnskit Conn", func(t *testing.T) func() {
				c, err := mdns.Listen(mdns.Config{Interfaces: []string{"lo"}, HostName: "gohost", DisableIPv6: true})
				if err != nil {
					t.Fatal(err)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				if _, err := c.Register(ctx, mdns.Service{Instance: instance, Type: typ, Port: 8080,
					Text: [][]byte{[]byte("path=/"), []byte("v=1")}}); err != nil {
					t.Fatal(err)
				}
				return func() { c.Close() }
			}},
			{"hashicorp/mdns Server", func(t *testing.T) func() {
				z, err := hashimdns.NewMDNSService(instance, typ, "", "gohost.local.", 8080,
					[]net.IP{net.IPv4(127, 0, 0, 1)}, []string{"path=/", "v=1"})
				if err != nil {
					t.Fatal(err)
				}
				lo, err := net.InterfaceByName("lo")
				if err != nil {
					t.Fatal(err)
				}
				s, err := hashimdns.NewServer(&hashimdns.Config{Zone: z, Iface: lo, Logger: log.New(io.Discard, "", 0)})
				if err != nil {
					t.Fatal(err)
				}
				return func() { s.Shutdown() }
			}},
		}
		for _, srv := range servers {
			stop := srv.start(t)
			rtt, cpu, size := legacyRoundTrips(t, 3000)
			stop()
			t.Logf("%s: legacy PTR query round trip %v; CPU %.1f µs per query; reply %d bytes",
				srv.name, summarize(rtt), float64(cpu)/float64(len(rtt))/1e3, size)
		}
	})
}

// legacyRoundTrips sends n PTR queries for _http._tcp.local. from an
// ephemeral port to 127.0.0.1:5353, one at a time, after a warm-up, and
// returns each round trip, the CPU time of them all and the reply size.
func legacyRoundTrips(t *testing.T, n int) (rtts []time.Duration, cpu time.Duration, size int) {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dst := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: mdns.Port}
	buf := make([]byte, 9000)
	one := func(id uint16) time.Duration {
		q := question(id, "_http._tcp.local.", typePTR, false)
		t0 := time.Now()
		if _, err := conn.WriteToUDP(q, dst); err != nil {
			t.Fatal(err)
		}
		conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		for {
			m, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				t.Fatalf("query %d: %v", id, err)
			}
			// hashicorp/mdns answers a legacy query with ID 0 (its
			// multicast path); we echo the ID (RFC 6762 §6.7).
			if m >= 12 && isResponse(buf[:m]) && ancount(buf[:m]) > 0 && (msgID(buf[:m]) == id || msgID(buf[:m]) == 0) {
				size = m
				return time.Since(t0)
			}
		}
	}
	for i := range 200 {
		one(uint16(i + 1))
	}
	cpu0 := cpuTime()
	for i := range n {
		rtts = append(rtts, one(uint16(1000+i)))
	}
	cpu = cpuTime() - cpu0
	if len(rtts) != n {
		t.Fatalf("%d of %d answered", len(rtts), n)
	}
	return rtts, cpu, size
}
