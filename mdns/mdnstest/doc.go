// Package mdnstest simulates multicast links in memory, so that mDNS code
// (RFC 6762) — ours, or yours built on package mdns — can be tested fast
// and deterministically, with exact timing, without touching a network.
//
// A [Link] is one layer-2 segment. A [Host] is a machine with interfaces
// attached to links, IPv4 and IPv6 addresses, and UDP sockets; it
// implements [mdns.Network], so the protocol engine runs on it exactly as
// it runs on real sockets and cannot tell the difference.
//
// # What is simulated
//
//   - Multicast to 224.0.0.251 or ff02::fb sent through an interface
//     reaches every socket of that family, on every other host with an
//     interface on the same link, that is bound to the destination port
//     and joined the group on that interface (IP_MULTICAST_ALL off). The
//     sending host hears its own multicast on the sending interface only
//     if multicast loopback is on ([HostConfig.NoMulticastLoopback]).
//   - Unicast reaches the interface on the link that has the destination
//     address and there one socket bound to the port: the most recently
//     opened, as Linux gives a unicast datagram to one of the sockets
//     sharing a port. Unicast to one's own address is delivered through lo.
//   - Every received datagram carries the sender's address and port, the
//     destination address (group or unicast) and the receiving interface
//     index ([mdns.PacketInfo]); an IPv6 link-local source carries the
//     receiving interface's name as its zone. The source address is the
//     sending interface's first address of the family, the link-local one
//     for IPv6 multicast.
//   - Sockets share ports (SO_REUSEADDR); port 0 picks an ephemeral port.
//     Each socket's receive queue is bounded ([HostConfig.ReceiveQueue]);
//     overflow is dropped and counted.
//   - Interfaces, addresses and hosts come and go at run time
//     ([Host.AddInterface], [Host.RemovePrefix], [Host.SetUp],
//     [Host.Close], ...), which wakes [Host.WatchInterfaces]. Interface
//     indexes are per host; lo is always 1.
//   - Faults ([Faults]): loss, duplication, delay with jitter, explicit
//     reordering and a per-packet hook that may drop or rewrite a packet.
//     The random ones are drawn from [LinkConfig.Seed] and the packet, so a
//     run is reproducible.
//   - Every packet on a link is logged with its virtual send time, sender,
//     addresses, bytes and fate ([Link.Packets], [Link.Tap], [Link.Stats]).
//     [Link.Inject] sends raw bytes from any address and port, e.g. an
//     off-link source or a legacy unicast querier.
//   - Datagrams over 65507 bytes (IPv4) or 65527 bytes (IPv6) fail with
//     [ErrTooLarge]; datagrams over the interface MTU are delivered, as IP
//     fragmentation would, and flagged ([Packet.OverMTU]).
//
// # What is not
//
// No IP TTL or hop limit (every packet on a link is link-local), no routing
// between links, no ARP/NDP or duplicate address detection, no IPv4-mapped
// addresses on udp6 sockets (they are IPv6-only), no multicast groups
// other than the mDNS ones, no source-specific multicast, no socket
// options or deadlines beyond [mdns.PacketConn], no bandwidth limit.
//
// # Virtual time with testing/synctest
//
// Run tests inside [testing/synctest.Test]. In its bubble the clock is
// virtual: time.Now, timers and time.Sleep advance only when every
// goroutine in the bubble is durably blocked, then jump straight to the
// next timer. Everything here blocks only on channels and timers created
// in the bubble, so a protocol engine waiting for a socket or a 250 ms
// probe timer lets time run on at once: a minute of protocol takes
// milliseconds, and timestamps are exact. Create links, hosts and sockets
// inside the bubble; [Advance] lets time pass and waits for the engine to
// settle:
//
//	func TestProbe(t *testing.T) {
//		synctest.Test(t, func(t *testing.T) {
//			link := mdnstest.NewLink(mdnstest.LinkConfig{})
//			h1, h2 := link.AddHost("h1"), link.AddHost("h2")
//			defer h1.Close()
//			defer h2.Close()
//			start := time.Now()
//			// ... start the code under test on h1 and h2 ...
//			mdnstest.Advance(2 * time.Second)
//			for _, p := range link.Packets() {
//				t.Logf("+%v %s %v -> %v", p.Time.Sub(start), p.Host, p.Src, p.Dst)
//			}
//		})
//	}
//
// A bubble ends only when all its goroutines have exited, so a goroutine
// still blocked when the test returns makes synctest report a deadlock:
// closing sockets and hosts must stop everything the code under test
// started. That is the leak check.
//
// Outside a bubble the link works in real time.
package mdnstest
