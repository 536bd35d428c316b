package mdns_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Helpers for the responder tests: every test runs in a synctest bubble on
// an mdnstest link, reads the link's packet log and decodes it with
// miekg/dns.

var (
	group4 = netip.AddrPortFrom(mdns.GroupIPv4(), mdns.Port)
	peer4  = netip.MustParseAddrPort("10.0.0.200:5353") // an on-link host that is not simulated
)

type wire struct {
	mdnstest.Packet
	m *dns.Msg
}

func (w wire) String() string {
	var b strings.Builder
	kind := "Q"
	if w.m.Response {
		kind = "R"
	}
	fmt.Fprintf(&b, "%s %s %v->%v id=%d tc=%v", w.Time.Format("05.000"), kind, w.Src, w.Dst, w.m.Id, w.m.Truncated)
	for _, q := range w.m.Question {
		fmt.Fprintf(&b, "\n  Q  %s %s qu=%v", q.Name, dns.TypeToString[q.Qtype], q.Qclass&0x8000 != 0)
	}
	for _, sec := range []struct {
		n  string
		rr []dns.RR
	}{{"AN", w.m.Answer}, {"NS", w.m.Ns}, {"AR", w.m.Extra}} {
		for _, rr := range sec.rr {
			fmt.Fprintf(&b, "\n  %s %s", sec.n, rr.String())
		}
	}
	return b.String()
}

// sent returns the decoded packets on the link sent after since by host
// (any host when host is ""), in order.
func sent(t *testing.T, l *mdnstest.Link, host string, since time.Time) []wire {
	t.Helper()
	var out []wire
	for _, p := range l.Packets() {
		if p.Time.Before(since) || (host != "" && p.Host != host) {
			continue
		}
		m := new(dns.Msg)
		if err := m.Unpack(p.Data); err != nil {
			t.Fatalf("packet %d from %s does not decode: %v", p.Seq, p.Host, err)
		}
		out = append(out, wire{p, m})
	}
	return out
}

func dump(t *testing.T, ws []wire) {
	t.Helper()
	for _, w := range ws {
		t.Log(w)
	}
}

func probes(ws []wire) []wire {
	var out []wire
	for _, w := range ws {
		if !w.m.Response && len(w.m.Ns) > 0 {
			out = append(out, w)
		}
	}
	return out
}

func responses(ws []wire) []wire {
	var out []wire
	for _, w := range ws {
		if w.m.Response {
			out = append(out, w)
		}
	}
	return out
}

// withRR keeps the messages that carry a record of type typ named name in
// their answer section (name "" matches any).
func withRR(ws []wire, name string, typ uint16) []wire {
	var out []wire
	for _, w := range ws {
		if findRR(w.m.Answer, name, typ) != nil {
			out = append(out, w)
		}
	}
	return out
}

func findRR(rrs []dns.RR, name string, typ uint16) dns.RR {
	for _, rr := range rrs {
		if rr.Header().Rrtype == typ && (name == "" || strings.EqualFold(rr.Header().Name, name)) {
			return rr
		}
	}
	return nil
}

func flush(rr dns.RR) bool { return rr.Header().Class&0x8000 != 0 }

type hostOpt func(*mdns.Config)

// listen starts a Conn on h, IPv4 only unless told otherwise, with a
// seeded random source.
func listen(t *testing.T, h *mdnstest.Host, opts ...hostOpt) *mdns.Conn {
	t.Helper()
	cfg := mdns.Config{Network: h, Rand: rand.New(rand.NewPCG(1, 2)), DisableIPv6: true}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := mdns.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func both(c *mdns.Config) { c.DisableIPv6 = false }

func register(t *testing.T, c *mdns.Conn, s mdns.Service) *mdns.Registration {
	t.Helper()
	g, err := c.Register(context.Background(), s)
	if err != nil {
		t.Fatalf("Register(%q): %v", s.Instance, err)
	}
	return g
}

func svc(name string) mdns.Service {
	return mdns.Service{Instance: name, Type: "_http._tcp", Port: 8080, Text: [][]byte{[]byte("a=1")}}
}

// inject sends a message from src to dst on the link.
func inject(t *testing.T, l *mdnstest.Link, src, dst netip.AddrPort, m *dns.Msg) {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Inject(src, dst, b); err != nil {
		t.Fatal(err)
	}
}

func query(qs ...dns.Question) *dns.Msg {
	m := new(dns.Msg)
	m.Question = qs
	return m
}

func q(name string, typ uint16) dns.Question {
	return dns.Question{Name: name, Qtype: typ, Qclass: dns.ClassINET}
}

func qu(name string, typ uint16) dns.Question {
	return dns.Question{Name: name, Qtype: typ, Qclass: dns.ClassINET | 0x8000}
}

func between(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }
