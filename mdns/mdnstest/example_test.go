package mdnstest_test

import (
	"fmt"
	"net/netip"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Two hosts on one link: h2 joins the mDNS group on its interface and
// hears what h1 multicasts, with the source, group and receiving
// interface; the link's log records the packet and its fate. In a test,
// wrap this in synctest.Test to get virtual time.
func Example() {
	link := mdnstest.NewLink(mdnstest.LinkConfig{})
	h1, h2 := link.AddHost("h1"), link.AddHost("h2")
	defer h1.Close()
	defer h2.Close()

	ifs, _ := h2.Interfaces()
	eth0 := ifs[1] // ifs[0] is lo
	rx, _ := h2.ListenPacket("udp4", mdns.Port)
	rx.JoinGroup(eth0.Index)

	tx, _ := h1.ListenPacket("udp4", mdns.Port)
	group := netip.AddrPortFrom(mdns.GroupIPv4(), mdns.Port)
	tx.WriteTo([]byte("hello"), group, eth0.Index) // h1's eth0 has index 2 too

	buf := make([]byte, mdns.MaxPacketSize)
	n, info, _ := rx.ReadFrom(buf)
	fmt.Printf("h2 received %q from %v to %v on %s\n", buf[:n], info.Src, info.Dst, eth0.Name)

	for _, p := range link.Packets() {
		fmt.Printf("log: #%d %s %v -> %v, delivered to %s\n", p.Seq, p.Host, p.Src, p.Dst, p.Deliveries[0].Host)
	}
	// Output:
	// h2 received "hello" from 10.0.0.1:5353 to 224.0.0.251 on eth0
	// log: #1 h1 10.0.0.1:5353 -> 224.0.0.251:5353, delivered to h2
}
