package mdns_test

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"github.com/miekg/dns"
)

// qenv is one querier under test: host h1 with a Conn on a link, and a
// simulated peer that injects hand-built responses and queries.
type qenv struct {
	t     *testing.T
	link  *mdnstest.Link
	h     *mdnstest.Host
	c     *mdns.Conn
	start time.Time
}

var (
	qPeer4  = netip.MustParseAddrPort("10.0.0.99:5353")
	qPeer6  = netip.MustParseAddrPort("[fe80::99]:5353")
	qOther4 = netip.MustParseAddrPort("10.0.0.77:5353")
	qGrp4   = netip.AddrPortFrom(mdns.GroupIPv4(), mdns.Port)
	qGrp6   = netip.AddrPortFrom(mdns.GroupIPv6(), mdns.Port)
)

func newQEnv(t *testing.T, cfg mdns.Config) *qenv {
	t.Helper()
	link := mdnstest.NewLink(mdnstest.LinkConfig{})
	h := link.AddHost("h1")
	cfg.Network = h
	if cfg.Rand == nil {
		cfg.Rand = rand.New(rand.NewPCG(1, 2))
	}
	c, err := mdns.Listen(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e := &qenv{t: t, link: link, h: h, c: c, start: time.Now()}
	t.Cleanup(func() {
		c.Close()
		h.Close()
		link.Close()
	})
	return e
}

// respond injects a response holding rrs from src.
func (e *qenv) respond(src netip.AddrPort, rrs ...dns.RR) {
	e.t.Helper()
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	m.Answer = rrs
	e.inject(src, m)
}

func (e *qenv) inject(src netip.AddrPort, m *dns.Msg) {
	e.t.Helper()
	b, err := m.Pack()
	if err != nil {
		e.t.Fatal(err)
	}
	dst := qGrp4
	if src.Addr().Is6() {
		dst = qGrp6
	}
	if err := e.link.Inject(src, dst, b); err != nil {
		e.t.Fatal(err)
	}
	synctest.Wait()
}

// qSent is one query h1 put on the link.
type qSent struct {
	at time.Duration // since the env started
	v6 bool
	m  *dns.Msg
}

// queries returns h1's queries, optionally only IPv4 or IPv6 ones.
func (e *qenv) queries() []qSent {
	var out []qSent
	for _, p := range e.link.Packets() {
		if p.Host != "h1" {
			continue
		}
		m := new(dns.Msg)
		if err := m.Unpack(p.Data); err != nil {
			e.t.Fatalf("h1 qSent an unparsable packet: %v", err)
		}
		if m.Response {
			continue
		}
		out = append(out, qSent{at: p.Time.Sub(e.start), v6: p.Dst.Addr().Is6(), m: m})
	}
	return out
}

// asking returns the v4 queries that carry a question for (name, typ).
func (e *qenv) asking(name string, typ uint16) []qSent {
	var out []qSent
	for _, s := range e.queries() {
		if s.v6 {
			continue
		}
		for _, q := range s.m.Question {
			if dns.CanonicalName(q.Name) == dns.CanonicalName(name) && q.Qtype == typ {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// browse runs Browse on its own goroutine and records the events.
type qRecorder struct {
	mu     sync.Mutex
	evs    []qEvent
	err    error
	done   chan struct{}
	cancel context.CancelFunc
	start  time.Time
}

type qEvent struct {
	at time.Duration
	mdns.BrowseEvent
}

func (e *qenv) browse(q mdns.BrowseQuery) *qRecorder {
	return e.browseWith(q, nil)
}

func (e *qenv) browseWith(q mdns.BrowseQuery, hook func(mdns.BrowseEvent)) *qRecorder {
	ctx, cancel := context.WithCancel(context.Background())
	r := &qRecorder{done: make(chan struct{}), cancel: cancel, start: e.start}
	go func() {
		defer close(r.done)
		err := e.c.Browse(ctx, q, func(ev mdns.BrowseEvent) error {
			r.mu.Lock()
			r.evs = append(r.evs, qEvent{time.Since(r.start), ev})
			r.mu.Unlock()
			if hook != nil {
				hook(ev)
			}
			return nil
		})
		r.mu.Lock()
		r.err = err
		r.mu.Unlock()
	}()
	e.t.Cleanup(func() { cancel(); <-r.done })
	synctest.Wait()
	return r
}

func (r *qRecorder) events() []qEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

func (r *qRecorder) stop() error {
	r.cancel()
	<-r.done
	return r.err
}

// Record builders. Names are presentation format.

func qHdr(name string, typ uint16, ttl uint32, flush bool) dns.RR_Header {
	class := uint16(dns.ClassINET)
	if flush {
		class |= 0x8000
	}
	return dns.RR_Header{Name: name, Rrtype: typ, Class: class, Ttl: ttl}
}

func qPTR(name, target string, ttl uint32) dns.RR {
	return &dns.PTR{Hdr: qHdr(name, dns.TypePTR, ttl, false), Ptr: target}
}

func qSRV(name, target string, port uint16, ttl uint32) dns.RR {
	return &dns.SRV{Hdr: qHdr(name, dns.TypeSRV, ttl, true), Target: target, Port: port}
}

func qTXT(name string, ttl uint32, s ...string) dns.RR {
	return &dns.TXT{Hdr: qHdr(name, dns.TypeTXT, ttl, true), Txt: s}
}

func qA(name, addr string, ttl uint32, flush bool) dns.RR {
	return &dns.A{Hdr: qHdr(name, dns.TypeA, ttl, flush), A: net.ParseIP(addr).To4()}
}

func qAAAA(name, addr string, ttl uint32) dns.RR {
	return &dns.AAAA{Hdr: qHdr(name, dns.TypeAAAA, ttl, true), AAAA: net.ParseIP(addr)}
}

// qService returns the records of one complete instance of _http._tcp.local
// on host "web.local." at 10.0.0.5.
func qService(inst string, port uint16, ttl uint32, txt ...string) []dns.RR {
	name := inst + "._http._tcp.local."
	if len(txt) == 0 {
		txt = []string{"v=1"}
	}
	return []dns.RR{
		qPTR("_http._tcp.local.", name, ttl),
		qSRV(name, "web.local.", port, ttl),
		qTXT(name, ttl, txt...),
		qA("web.local.", "10.0.0.5", ttl, true),
	}
}

func qKinds(evs []qEvent) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind.String()+" "+e.Entry.Instance)
	}
	return out
}

const qms = time.Millisecond

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
