package mdns

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// FuzzHandlePacket feeds arbitrary bytes to the engine of a Conn that
// publishes a service — as a multicast query or response, a unicast one
// and a legacy unicast one — and checks that it neither crashes nor stops
// answering: a legacy query for the host's address right after is
// answered whenever the host name is live.
//
// It runs at engine speed: one Conn per fuzzing process on a network that
// drops what it is sent, and before every input the engine is put back in
// the same state (a registration established on eth0, empty cache, no
// pending timers), as a fresh Conn would be after probing. (A Conn per
// input on mdnstest, probing on the virtual clock, managed only about 2000
// inputs a second on two cores.)
func FuzzHandlePacket(f *testing.F) {
	for _, seed := range handleSeeds(f) {
		f.Add(seed)
	}
	e := newFuzzEngine(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > MaxPacketSize+100 {
			return
		}
		e.run(t, data)
	})
}

// fuzzEngine is one Conn whose engine the fuzz inputs go through.
type fuzzEngine struct {
	c   *Conn
	net *dropNetwork
	svc Service
	mu  sync.Mutex // one input at a time: the state is reset per input

	// The registration of the first reset, whose records the others reuse.
	tmpl     *Registration
	hostMemo map[int]hostMemo
}

func newFuzzEngine(tb testing.TB) *fuzzEngine {
	tb.Helper()
	nw := &dropNetwork{}
	c, err := Listen(Config{Network: nw, DisableIPv6: false})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return &fuzzEngine{c: c, net: nw, svc: Service{Instance: "My Service", Type: "_http._tcp", Port: 8080, Text: [][]byte{[]byte("a=1")}}}
}

var (
	fuzzPeer   = netip.MustParseAddrPort("10.0.0.200:5353")
	fuzzLegacy = netip.MustParseAddrPort("10.0.0.201:40000")
)

func (e *fuzzEngine) run(t *testing.T, data []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.c
	var failure string
	err := c.do(context.Background(), func() {
		e.reset(t)
		ifIndex := fuzzIfIndex
		for _, d := range []struct {
			src netip.AddrPort
			dst netip.Addr
		}{
			{fuzzPeer, groupIPv4},
			{fuzzPeer, netip.MustParseAddr("10.0.0.1")},
			{netip.AddrPortFrom(fuzzPeer.Addr(), 40000), groupIPv4},
		} {
			c.handlePacket(inPacket{buf: data, info: PacketInfo{Src: d.src, Dst: d.dst, IfIndex: ifIndex}})
		}
		st := c.resp.hostClaim.per[ifIndex]
		if st == nil || st.state != stLive {
			return // a conflict sent the name back to probing, as it may
		}
		q := new(dnsmsg.Msg)
		q.Question = []dnsmsg.Question{{Name: c.resp.hostFQDN(), Qtype: dnsmsg.TypeA, Qclass: dnsmsg.ClassINET}}
		b, err := q.Pack()
		if err != nil {
			failure = err.Error()
			return
		}
		before := e.net.sent.Load()
		c.handlePacket(inPacket{buf: b, info: PacketInfo{Src: fuzzLegacy, Dst: groupIPv4, IfIndex: ifIndex}})
		if e.net.sent.Load() == before {
			failure = "no answer to a legacy query for the live host name after the fuzzed packet"
		}
	})
	if err != nil {
		t.Fatalf("the engine stopped: %v", err)
	}
	if failure != "" {
		t.Fatal(failure)
	}
}

// reset puts the engine back where a fresh Conn stands once its service is
// established on eth0: a new responder and querier, no timers. The
// records, which never change once built, are those of the first reset.
func (e *fuzzEngine) reset(t *testing.T) {
	c := e.c
	c.sched = scheduler{}
	c.echo = echoFilter{}
	c.pacers = nil // their tasks were in the old scheduler
	c.resp = newResponder(c, "h1")
	c.qr = newQuerier(c)
	for _, ifi := range c.ifaces {
		c.resp.ifaceUp(ifi)
	}
	g := &Registration{c: c, svc: e.svc, pub: e.svc, changed: make(chan struct{}, 1), ready: make(chan struct{})}
	g.cl = &claim{reg: g, per: make(map[int]*claimIf)}
	if e.tmpl == nil {
		if err := c.resp.add(g); err != nil {
			t.Fatal(err)
		}
		e.tmpl, e.hostMemo = g, c.resp.hostMemo
	} else {
		g.typeName, g.instName, g.instKey, g.recs = e.tmpl.typeName, e.tmpl.instName, e.tmpl.instKey, e.tmpl.recs
		c.resp.regs = append(c.resp.regs, g)
		c.resp.byInst[g.instKey] = g
		for idx, m := range e.hostMemo {
			c.resp.hostMemo[idx] = m
		}
	}
	for idx := range c.ifaces {
		c.resp.hostClaim.per[idx] = &claimIf{state: stLive, announced: true}
		g.cl.per[idx] = &claimIf{state: stLive, announced: true}
	}
	g.established()
	c.sched = scheduler{} // what add scheduled: the probes
	for _, ifr := range c.resp.ifs {
		ifr.probe = nil
	}
}

// handleSeeds are the seeds of FuzzHandlePacket: queries, a probe, a
// conflicting answer, a truncated query, a compression loop, and the real
// messages of Avahi 0.8 and python-zeroconf 0.47.3 captured on the
// virtual LAN.
func handleSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	const inst = `My\ Service._http._tcp.local.`
	query := func(name string, typ uint16, qu bool) *dnsmsg.Msg {
		m := new(dnsmsg.Msg)
		m.Question = []dnsmsg.Question{{Name: name, Qtype: typ, Qclass: dnsmsg.ClassINET}}
		m.ID = 0
		if qu {
			m.Question[0].Qclass |= quBit
		}
		return m
	}
	probe := query(inst, dnsmsg.TypeANY, false)
	probe.Ns = []dnsmsg.RR{&dnsmsg.SRV{Hdr: dnsmsg.Header{Name: inst, Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET, TTL: 120}, Port: 9, Target: "x.local."}}
	conflict := new(dnsmsg.Msg)
	conflict.Response = true
	conflict.Answer = []dnsmsg.RR{&dnsmsg.SRV{Hdr: dnsmsg.Header{Name: inst, Type: dnsmsg.TypeSRV, Class: dnsmsg.ClassINET | 0x8000, TTL: 120}, Port: 1, Target: "other.local."}}
	tc := query("_http._tcp.local.", dnsmsg.TypePTR, false)
	tc.Truncated = true
	seeds := [][]byte{
		packed(tb, query(inst, dnsmsg.TypeSRV, false)),
		packed(tb, query("_http._tcp.local.", dnsmsg.TypePTR, true)),
		packed(tb, probe), packed(tb, conflict), packed(tb, tc),
		{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1},
	}
	files, err := filepath.Glob("../testdata/captures/mdns/*.bin")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no captures: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

// fuzzIfIndex is the index of dropNetwork's one interface.
const fuzzIfIndex = 2

// dropNetwork is a host with one interface, eth0, whose sockets receive
// nothing and count what they are sent.
type dropNetwork struct{ sent atomic.Uint64 }

func (n *dropNetwork) Hostname() (string, error) { return "h1", nil }

func (n *dropNetwork) Interfaces() ([]Interface, error) {
	return []Interface{{Index: fuzzIfIndex, Name: "eth0", MTU: 1500, Up: true, Multicast: true, Prefixes: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.1/24"), netip.MustParsePrefix("fe80::1/64"),
	}}}, nil
}

func (n *dropNetwork) WatchInterfaces(ctx context.Context, changed func()) error {
	<-ctx.Done()
	return ctx.Err()
}

func (n *dropNetwork) ListenPacket(network string, port int) (PacketConn, error) {
	return &dropConn{n: n, closed: make(chan struct{})}, nil
}

type dropConn struct {
	n      *dropNetwork
	once   sync.Once
	closed chan struct{}
}

func (c *dropConn) ReadFrom(b []byte) (int, PacketInfo, error) {
	<-c.closed
	return 0, PacketInfo{}, net.ErrClosed
}

func (c *dropConn) WriteTo(b []byte, dst netip.AddrPort, ifIndex int) (int, error) {
	c.n.sent.Add(1)
	return len(b), nil
}

func (c *dropConn) JoinGroup(int) error  { return nil }
func (c *dropConn) LeaveGroup(int) error { return nil }

func (c *dropConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}
