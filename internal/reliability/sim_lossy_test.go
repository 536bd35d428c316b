package reliability

import (
	"math/rand/v2"
	"net/netip"
	"slices"
	"sync"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// lossyNetwork is an mdnstest host whose sockets lose a share of what
// they receive, each socket on its own: the loss of a Wi-Fi station, where
// one receiver misses a multicast frame that the others get (mdnstest's
// Loss fault loses a packet for every receiver at once). The host's own
// packets, which never cross the air, are not lost. This is what nftables
// does on testlan (lan_net_test.go), here on the virtual clock.
type lossyNetwork struct {
	*mdnstest.Host
	rate float64
	seed uint64
	// lost, when set, is told of every datagram the host loses (for
	// diagnosis).
	lost func(host string, data []byte)
}

func (n *lossyNetwork) ListenPacket(network string, port int) (mdns.PacketConn, error) {
	pc, err := n.Host.ListenPacket(network, port)
	if err != nil {
		return nil, err
	}
	return &lossyConn{PacketConn: pc, net: n, rng: rand.New(rand.NewPCG(n.seed, uint64(network[len(network)-1])))}, nil
}

type lossyConn struct {
	mdns.PacketConn
	net *lossyNetwork
	mu  sync.Mutex
	rng *rand.Rand
}

func (c *lossyConn) ReadFrom(b []byte) (int, mdns.PacketInfo, error) {
	for {
		n, info, err := c.PacketConn.ReadFrom(b)
		if err != nil || c.own(info.Src.Addr()) || !c.lose() {
			return n, info, err
		}
		if c.net.lost != nil {
			name, _ := c.net.Hostname()
			c.net.lost(name, b[:n])
		}
	}
}

func (c *lossyConn) lose() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rng.Float64() < c.net.rate
}

func (c *lossyConn) own(a netip.Addr) bool {
	ifs, _ := c.net.Interfaces()
	for _, it := range ifs {
		if slices.ContainsFunc(it.Prefixes, func(p netip.Prefix) bool { return p.Addr() == a.WithZone("") }) {
			return true
		}
	}
	return false
}
