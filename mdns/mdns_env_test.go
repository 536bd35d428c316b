package mdns_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// The one harness of package mdns's protocol tests, responder and querier
// alike: every test runs in a synctest bubble on an mdnstest link, builds
// its hosts, services, records and messages with the helpers below,
// injects packets as a host that is not simulated, and reads the link's
// packet log decoded with miekg/dns. A new test reads the same whichever
// half of the engine it touches.

// Addresses. mdnstest numbers its hosts h1, h2, ... 10.0.0.1, 10.0.0.2, ...
var (
	group4 = netip.AddrPortFrom(mdns.GroupIPv4(), mdns.Port)
	group6 = netip.AddrPortFrom(mdns.GroupIPv6(), mdns.Port)
	peer4  = netip.MustParseAddrPort("10.0.0.99:5353") // an on-link host that is not simulated
	peer6  = netip.MustParseAddrPort("[fe80::99]:5353")
	other4 = netip.MustParseAddrPort("10.0.0.77:5353") // a second one
)

// ms shortens the millisecond timings RFC 6762 is full of.
const ms = time.Millisecond

// Links, hosts and Conns.

// connOpt changes the Config listen starts a Conn with.
type connOpt func(*mdns.Config)

// both enables IPv6 next to IPv4.
func both(c *mdns.Config) { c.DisableIPv6 = false }

// maxCache bounds the cache to n records.
func maxCache(n int) connOpt { return func(c *mdns.Config) { c.MaxCacheRecords = n } }

// seeded replaces the default seed of the random source.
func seeded(a, b uint64) connOpt {
	return func(c *mdns.Config) { c.Rand = rand.New(rand.NewPCG(a, b)) }
}

// newLink returns a simulated link (of cfg, when given) that is closed when
// the test ends.
func newLink(t *testing.T, cfg ...mdnstest.LinkConfig) *mdnstest.Link {
	t.Helper()
	var lc mdnstest.LinkConfig
	if len(cfg) > 0 {
		lc = cfg[0]
	}
	l := mdnstest.NewLink(lc)
	t.Cleanup(func() { l.Close() })
	return l
}

// addHost adds a host to l and starts a Conn on it (see listen); both are
// closed when the test ends.
func addHost(t *testing.T, l *mdnstest.Link, name string, opts ...connOpt) (*mdnstest.Host, *mdns.Conn) {
	t.Helper()
	h := l.AddHost(name)
	t.Cleanup(func() { h.Close() })
	return h, listen(t, h, opts...)
}

// listen starts a Conn on n, IPv4 only unless told otherwise, with a
// seeded random source; it is closed when the test ends.
func listen(t *testing.T, n mdns.Network, opts ...connOpt) *mdns.Conn {
	t.Helper()
	cfg := mdns.Config{Network: n, Rand: rand.New(rand.NewPCG(1, 2)), DisableIPv6: true}
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

// env is one Conn under test: host h1 of its own link, with the time it
// started, for the tests that follow h1's queries and browses.
type env struct {
	t     *testing.T
	link  *mdnstest.Link
	h     *mdnstest.Host
	c     *mdns.Conn
	start time.Time
}

// newEnv starts h1 with a Conn (see listen) on a new link.
func newEnv(t *testing.T, opts ...connOpt) *env {
	t.Helper()
	link := newLink(t)
	h, c := addHost(t, link, "h1", opts...)
	return &env{t: t, link: link, h: h, c: c, start: time.Now()}
}

// Services.

const (
	inst    = `My\ Service._http._tcp.local.`
	typName = "_http._tcp.local."
)

// svc is a service of type _http._tcp named name; inst is the name of
// svc("My Service") on the wire, typName its type's.
func svc(name string) mdns.Service {
	return mdns.Service{Instance: name, Type: "_http._tcp", Port: 8080, Text: [][]byte{[]byte("a=1")}}
}

func register(t *testing.T, c *mdns.Conn, s mdns.Service) *mdns.Registration {
	t.Helper()
	g, err := c.Register(context.Background(), s)
	if err != nil {
		t.Fatalf("Register(%q): %v", s.Instance, err)
	}
	return g
}

type regResult struct {
	g   *mdns.Registration
	err error
}

// registerAsync runs Register in a goroutine so that the test can act on
// the link while it probes.
func registerAsync(c *mdns.Conn, s mdns.Service) <-chan regResult {
	ch := make(chan regResult, 1)
	go func() {
		g, err := c.Register(context.Background(), s)
		ch <- regResult{g, err}
	}()
	return ch
}

// published starts h1 with one established service and lets its
// announcements pass.
func published(t *testing.T, s mdns.Service, opts ...connOpt) (*mdnstest.Link, *mdns.Conn, *mdns.Registration) {
	t.Helper()
	link := newLink(t)
	_, c := addHost(t, link, "h1", opts...)
	g := register(t, c, s)
	mdnstest.Advance(8 * time.Second) // announcements at 0, 1, 3 and 7 s
	return link, c, g
}

// waitProbe advances time until h1 sends a new probe after since.
func waitProbe(t *testing.T, l *mdnstest.Link, since time.Time) wire {
	t.Helper()
	for i := 0; i < 2000; i++ {
		if ps := probes(sent(t, l, "h1", since)); len(ps) > 0 {
			return ps[0]
		}
		mdnstest.Advance(5 * time.Millisecond)
	}
	t.Fatal("no probe")
	return wire{}
}

// Records. Names are presentation format; flush sets the cache-flush bit
// (RFC 6762 §10.2), which the unique records SRV, TXT and AAAA always carry.

func hdr(name string, typ uint16, ttl uint32, flush bool) dns.RR_Header {
	class := uint16(dns.ClassINET)
	if flush {
		class |= 0x8000
	}
	return dns.RR_Header{Name: name, Rrtype: typ, Class: class, Ttl: ttl}
}

func ptrRR(name, target string, ttl uint32) dns.RR {
	return &dns.PTR{Hdr: hdr(name, dns.TypePTR, ttl, false), Ptr: target}
}

func srvRR(name, target string, port uint16, ttl uint32) dns.RR {
	return &dns.SRV{Hdr: hdr(name, dns.TypeSRV, ttl, true), Target: target, Port: port}
}

func txtRR(name string, ttl uint32, s ...string) dns.RR {
	return &dns.TXT{Hdr: hdr(name, dns.TypeTXT, ttl, true), Txt: s}
}

func aRR(name, addr string, ttl uint32, flush bool) dns.RR {
	return &dns.A{Hdr: hdr(name, dns.TypeA, ttl, flush), A: net.ParseIP(addr).To4()}
}

func aaaaRR(name, addr string, ttl uint32) dns.RR {
	return &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA, ttl, true), AAAA: net.ParseIP(addr)}
}

// nsecRR says name has records of types only (RFC 6762 §6.1).
func nsecRR(name string, ttl uint32, types ...uint16) dns.RR {
	return &dns.NSEC{Hdr: hdr(name, dns.TypeNSEC, ttl, true), NextDomain: name, TypeBitMap: types}
}

// serviceRRs returns the records of one complete instance of
// _http._tcp.local on host "web.local." at 10.0.0.5.
func serviceRRs(inst string, port uint16, ttl uint32, txt ...string) []dns.RR {
	name := inst + "._http._tcp.local."
	if len(txt) == 0 {
		txt = []string{"v=1"}
	}
	return []dns.RR{
		ptrRR("_http._tcp.local.", name, ttl),
		srvRR(name, "web.local.", port, ttl),
		txtRR(name, ttl, txt...),
		aRR("web.local.", "10.0.0.5", ttl, true),
	}
}

func flush(rr dns.RR) bool { return rr.Header().Class&0x8000 != 0 }

// Messages.

func query(qs ...dns.Question) *dns.Msg {
	m := new(dns.Msg)
	m.Question = qs
	return m
}

func q(name string, typ uint16) dns.Question {
	return dns.Question{Name: name, Qtype: typ, Qclass: dns.ClassINET}
}

// qu is a question that asks for a unicast response (RFC 6762 §5.4).
func qu(name string, typ uint16) dns.Question {
	return dns.Question{Name: name, Qtype: typ, Qclass: dns.ClassINET | 0x8000}
}

// response is an authoritative response answering rrs.
func response(rrs ...dns.RR) *dns.Msg {
	m := new(dns.Msg)
	m.Response, m.Authoritative = true, true
	m.Answer = rrs
	return m
}

// probeFor is a probe for name proposing auth (RFC 6762 §8.1).
func probeFor(name string, auth ...dns.RR) *dns.Msg {
	m := query(dns.Question{Name: name, Qtype: dns.TypeANY, Qclass: dns.ClassINET})
	m.Ns = auth
	return m
}

func packed(t testing.TB, m *dns.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Packets in.

// inject sends m from src to dst on l and waits until the hosts have
// handled it.
func inject(t *testing.T, l *mdnstest.Link, src, dst netip.AddrPort, m *dns.Msg) {
	t.Helper()
	if err := l.Inject(src, dst, packed(t, m)); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
}

// multicast injects m from src to the group of src's family.
func multicast(t *testing.T, l *mdnstest.Link, src netip.AddrPort, m *dns.Msg) {
	t.Helper()
	dst := group4
	if src.Addr().Is6() {
		dst = group6
	}
	inject(t, l, src, dst, m)
}

// respond multicasts a response answering rrs from src.
func respond(t *testing.T, l *mdnstest.Link, src netip.AddrPort, rrs ...dns.RR) {
	t.Helper()
	multicast(t, l, src, response(rrs...))
}

// Packets out.

// wire is a packet of the link's log, decoded.
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

// asks reports whether a message asks (name, typ).
func asks(m *dns.Msg, name string, typ uint16) bool {
	return slices.ContainsFunc(m.Question, func(q dns.Question) bool {
		return q.Qtype == typ && dns.CanonicalName(q.Name) == dns.CanonicalName(name)
	})
}

func between(d, lo, hi time.Duration) bool { return d >= lo && d <= hi }

// sentQuery is one query h1 put on the link.
type sentQuery struct {
	at time.Duration // since the env started
	v6 bool
	m  *dns.Msg
}

// queries returns h1's queries, in order.
func (e *env) queries() []sentQuery {
	e.t.Helper()
	var out []sentQuery
	for _, w := range sent(e.t, e.link, "h1", time.Time{}) {
		if !w.m.Response {
			out = append(out, sentQuery{at: w.Time.Sub(e.start), v6: w.Dst.Addr().Is6(), m: w.m})
		}
	}
	return out
}

// asking returns h1's IPv4 queries that ask (name, typ).
func (e *env) asking(name string, typ uint16) []sentQuery {
	e.t.Helper()
	var out []sentQuery
	for _, s := range e.queries() {
		if !s.v6 && asks(s.m, name, typ) {
			out = append(out, s)
		}
	}
	return out
}

// Browse events.

// recorder runs a Browse on its own goroutine until the test ends and
// records the events.
type recorder struct {
	mu     sync.Mutex
	evs    []recorded
	err    error
	done   chan struct{}
	cancel context.CancelFunc
	start  time.Time
}

// recorded is an event and when it came, since the recorder's start.
type recorded struct {
	at time.Duration
	mdns.BrowseEvent
}

// browse records h1's browse for q.
func (e *env) browse(q mdns.BrowseQuery) *recorder {
	return browseOn(e.t, e.c, q, e.start, nil)
}

// browseWith is browse that calls hook with each event too.
func (e *env) browseWith(q mdns.BrowseQuery, hook func(mdns.BrowseEvent)) *recorder {
	return browseOn(e.t, e.c, q, e.start, hook)
}

// browseOn records c's browse for q, its times since start.
func browseOn(t *testing.T, c *mdns.Conn, q mdns.BrowseQuery, start time.Time, hook func(mdns.BrowseEvent)) *recorder {
	ctx, cancel := context.WithCancel(context.Background())
	r := &recorder{done: make(chan struct{}), cancel: cancel, start: start}
	go func() {
		defer close(r.done)
		err := c.Browse(ctx, q, func(ev mdns.BrowseEvent) error {
			r.mu.Lock()
			r.evs = append(r.evs, recorded{time.Since(r.start), ev})
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
	t.Cleanup(func() { cancel(); <-r.done })
	synctest.Wait()
	return r
}

func (r *recorder) events() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.evs)
}

func (r *recorder) stop() error {
	r.cancel()
	<-r.done
	return r.err
}

// kinds is "add Name", "remove Name", ... for each event.
func kinds(evs []recorded) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Kind.String()+" "+e.Entry.Instance)
	}
	return out
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}
