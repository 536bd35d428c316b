package mdns

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// A Conn is one mDNS endpoint: a pair of sockets (IPv4, IPv6) shared by a
// responder that publishes services and a querier that browses, over the
// interfaces chosen by Config. One Conn per process is the intended use.
//
// All protocol work is serialised by one mutex: a reader goroutine handles
// the packet it read itself, the loop goroutine runs timers, API calls and
// interface changes. Protocol state needs no other lock and runs
// deterministically on the virtual clock of package mdnstest. (Handing
// each packet to the loop instead costs a second goroutine wake-up per
// packet, most of the CPU a query costs on a small machine.)
type Conn struct {
	cfg   Config
	net   Network
	port  int
	socks [2]PacketConn // [0] IPv4, [1] IPv6; nil when the family is off
	stats counters

	cmds     chan func()
	ifNote   chan struct{}
	rearm    chan struct{} // a reader scheduled work before the loop's timer
	quit     chan struct{}
	loopDone chan struct{}

	closeOnce sync.Once
	closeErr  error
	closing   atomic.Bool
	readers   sync.WaitGroup
	watchStop context.CancelFunc
	watchDone chan struct{}

	// Owned by whoever holds mu (the "loop" in comments elsewhere).
	mu      sync.Mutex
	stopped bool      // the loop has ended: readers drop what they read
	armed   time.Time // when the loop's timer fires; zero when not armed
	rnd     *rand.Rand
	sched   scheduler
	ifaces  map[int]*ifaceState
	echo    echoFilter
	resp    *responder
	qr      *querier
	// pacers spread bursts of multicast (conn_pace.go); sentWaiters run once
	// they are empty.
	pacers      map[famKey]*pacer
	sentWaiters []func()

	// joinWarned are the interfaces and families whose failed join was
	// reported (iface_select.go).
	joinWarned map[famKey]bool
}

// inPacket is a datagram a reader read.
type inPacket struct {
	buf  []byte
	info PacketInfo
	v6   bool
}

// inMsg is a parsed, accepted message as the responder and querier see it.
type inMsg struct {
	msg  *dnsmsg.Msg
	src  netip.AddrPort
	dst  netip.Addr
	ifi  *ifaceState
	v6   bool
	own  bool // an echo of a message this Conn sent
	size int
}

// Listen opens the mDNS sockets described by cfg and starts serving.
func Listen(cfg Config) (*Conn, error) {
	if cfg.DisableIPv4 && cfg.DisableIPv6 {
		return nil, fmt.Errorf("%w: both IPv4 and IPv6 are disabled", ErrInvalidConfig)
	}
	if err := checkPatterns(cfg.Interfaces, cfg.ExcludeInterfaces); err != nil {
		return nil, err
	}
	nw := cfg.Network
	if nw == nil {
		nw = SystemNetwork()
	}
	c := &Conn{
		cfg:       cfg,
		net:       nw,
		port:      Port,
		cmds:      make(chan func()),
		ifNote:    make(chan struct{}, 1),
		rearm:     make(chan struct{}, 1),
		quit:      make(chan struct{}),
		loopDone:  make(chan struct{}),
		watchDone: make(chan struct{}),
		ifaces:    make(map[int]*ifaceState),
		rnd:       cfg.Rand,
	}
	if c.rnd == nil {
		c.rnd = rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64()))
	}
	host, err := c.hostLabel()
	if err != nil {
		return nil, err
	}
	if err := c.openSockets(); err != nil {
		return nil, err
	}
	c.resp = newResponder(c, host)
	c.qr = newQuerier(c)
	c.refreshInterfaces()
	if len(c.ifaces) == 0 {
		c.closeSockets()
		return nil, c.noInterfaceError()
	}
	// Close the gap between the first listing and the watch taking effect.
	// (Scheduled before any goroutine starts: they own the scheduler.)
	c.after(time.Second, c.refreshInterfaces)
	for i, s := range c.socks {
		if s != nil {
			c.readers.Add(1)
			go c.readLoop(s, i == 1)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.watchStop = cancel
	go func() {
		defer close(c.watchDone)
		c.net.WatchInterfaces(ctx, func() {
			select {
			case c.ifNote <- struct{}{}:
			default:
			}
		})
	}()
	go c.loop()
	return c, nil
}

func (c *Conn) hostLabel() (string, error) {
	h := c.cfg.HostName
	if h == "" {
		var err error
		if h, err = c.net.Hostname(); err != nil {
			return "", fmt.Errorf("mdns: host name: %w", err)
		}
		h = sanitizeHostLabel(h)
	}
	if err := ValidateHostLabel(h); err != nil {
		return "", err
	}
	return h, nil
}

// sanitizeHostLabel turns a system host name into a label every peer can
// resolve: the first label, characters outside [A-Za-z0-9-] replaced.
func sanitizeHostLabel(h string) string {
	for i := 0; i < len(h); i++ {
		if h[i] == '.' {
			h = h[:i]
			break
		}
	}
	b := []byte(h)
	for i, ch := range b {
		if !(ch == '-' || isDigit(ch) || (ch|0x20) >= 'a' && (ch|0x20) <= 'z') {
			b[i] = '-'
		}
	}
	if len(b) == 0 {
		return "mdnskit"
	}
	return truncateUTF8(string(b), MaxLabel)
}

func (c *Conn) openSockets() error {
	var errs []error
	if !c.cfg.DisableIPv4 {
		s, err := c.net.ListenPacket("udp4", c.port)
		if err != nil {
			errs = append(errs, fmt.Errorf("IPv4: %w", err))
		}
		c.socks[0] = s
	}
	if !c.cfg.DisableIPv6 {
		s, err := c.net.ListenPacket("udp6", c.port)
		if err != nil {
			errs = append(errs, fmt.Errorf("IPv6: %w", err))
		}
		c.socks[1] = s
	}
	if c.socks[0] == nil && c.socks[1] == nil {
		return fmt.Errorf("mdns: cannot open UDP port %d: %w", c.port, errors.Join(errs...))
	}
	if len(errs) > 0 {
		c.logf("continuing without a family: %v", errors.Join(errs...))
	}
	return nil
}

func (c *Conn) closeSockets() error {
	var errs []error
	for _, s := range c.socks {
		if s != nil {
			if err := s.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Conn) logf(format string, args ...any) {
	if c.cfg.Logf != nil {
		c.cfg.Logf("mdns: "+format, args...)
	}
}

// Stats returns a snapshot of the counters.
func (c *Conn) Stats() Stats { return c.stats.snapshot() }

// HostName returns the host label currently published (it changes to
// "host-2" and so on after a host name conflict).
func (c *Conn) HostName() string {
	var h string
	if c.do(context.Background(), func() { h = c.resp.host }) != nil {
		return ""
	}
	return h
}

// Close sends goodbyes for every published record (twice, RFC 6762 §10.1),
// stops every goroutine the Conn started and closes its sockets. It is
// idempotent and safe to call concurrently.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		c.closing.Store(true)
		done := make(chan struct{})
		if c.do(context.Background(), func() { c.resp.shutdown(func() { close(done) }) }) == nil {
			select {
			case <-done:
			case <-c.loopDone:
			}
		}
		close(c.quit)
		<-c.loopDone
		c.watchStop()
		<-c.watchDone
		c.closeErr = c.closeSockets()
		c.readers.Wait()
	})
	return c.closeErr
}

// do runs fn on the loop goroutine, with mu held, and waits for it.
func (c *Conn) do(ctx context.Context, fn func()) error {
	done := make(chan struct{})
	select {
	case c.cmds <- func() { fn(); close(done) }:
	case <-c.loopDone:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-done:
		return nil
	case <-c.loopDone:
		return ErrClosed
	}
}

func (c *Conn) loop() {
	defer close(c.loopDone)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		c.mu.Lock()
		at, ok := c.sched.next()
		c.armed = at
		c.mu.Unlock()
		if ok {
			timer.Reset(time.Until(at))
		} else {
			timer.Stop()
		}
		select {
		case f := <-c.cmds:
			c.locked(f)
		case <-timer.C:
			c.locked(c.runDue)
		case <-c.ifNote:
			c.locked(c.refreshInterfaces)
		case <-c.rearm:
		case <-c.quit:
			c.locked(func() { c.stopped = true })
			return
		}
	}
}

func (c *Conn) locked(fn func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn()
}

// wakeLoop, with mu held, makes the loop re-arm its timer when a packet's
// handling scheduled work before the time the loop sleeps until.
func (c *Conn) wakeLoop() {
	if at, ok := c.sched.next(); ok && (c.armed.IsZero() || at.Before(c.armed)) {
		select {
		case c.rearm <- struct{}{}:
		default:
		}
	}
}

func (c *Conn) runDue() {
	now := time.Now()
	for t := c.sched.popDue(now); t != nil; t = c.sched.popDue(now) {
		t.fn()
	}
	// Records that expire at one instant leave the cache together before
	// a browser looks: a host whose address and SRV records run out at
	// once is one remove, not an address update and then a remove.
	c.qr.settle()
}

// after schedules fn on the loop after d.
func (c *Conn) after(d time.Duration, fn func()) *task {
	return c.sched.at(time.Now().Add(d), fn)
}

func (c *Conn) cancel(t *task) { c.sched.cancel(t) }

// jitter returns a uniformly random duration in [lo, hi].
func (c *Conn) jitter(lo, hi time.Duration) time.Duration {
	if hi <= lo {
		return lo
	}
	return lo + time.Duration(c.rnd.Int64N(int64(hi-lo)+1))
}

func (c *Conn) readLoop(s PacketConn, v6 bool) {
	defer c.readers.Done()
	buf := make([]byte, MaxPacketSize+1)
	failures := 0
	for {
		n, info, err := s.ReadFrom(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) || c.closing.Load() {
				return
			}
			// A transient error must not turn into a hot loop.
			failures++
			time.Sleep(min(time.Duration(failures)*10*time.Millisecond, time.Second))
			continue
		}
		failures = 0
		c.stats.received.Add(1)
		if n > MaxPacketSize { // RFC 6762 §17
			c.stats.oversize.Add(1)
			continue
		}
		p := inPacket{buf: append([]byte(nil), buf[:n]...), info: info, v6: v6}
		c.mu.Lock()
		if !c.stopped {
			c.handlePacket(p)
			c.wakeLoop()
		}
		c.mu.Unlock()
	}
}

func (c *Conn) handlePacket(p inPacket) {
	ifi := c.ifaces[p.info.IfIndex]
	if ifi == nil {
		c.stats.unknownIf.Add(1)
		return
	}
	src := p.info.Src
	if !ifi.onLink(src.Addr()) { // RFC 6762 §11, §5.5
		c.stats.offLink.Add(1)
		return
	}
	m, skipped, why := parseMessage(p.buf)
	c.stats.skippedRecords.Add(uint64(skipped))
	switch why {
	case dropOversize:
		c.stats.oversize.Add(1)
		return
	case dropMalformed:
		c.stats.malformed.Add(1)
		return
	case dropTooMany:
		c.stats.tooMany.Add(1)
		return
	case dropOpcode:
		c.stats.opcode.Add(1)
		return
	}
	in := &inMsg{
		msg:  m,
		src:  src,
		dst:  p.info.Dst,
		ifi:  ifi,
		v6:   p.v6,
		own:  c.echo.isOwn(p.buf, time.Now()) && (ifi.Loopback || c.ownsAddr(src.Addr())),
		size: len(p.buf),
	}
	if m.Response {
		// RFC 6762 §6: responses not from port 5353 are silently ignored.
		if int(src.Port()) != c.port {
			c.stats.srcPort.Add(1)
			return
		}
		c.stats.responses.Add(1)
		c.resp.handleResponse(in)
		c.qr.handleResponse(in)
		return
	}
	c.stats.queries.Add(1)
	c.qr.handleQuery(in)
	c.resp.handleQuery(in)
}

// ownsAddr reports whether a is an address of one of our interfaces. A
// host with two interfaces on one link hears its own multicast on the
// other one: that is an echo too, not a conflicting host (brutella/hc#198).
func (c *Conn) ownsAddr(a netip.Addr) bool {
	for _, ifi := range c.ifaces {
		if ifi.owns(a) {
			return true
		}
	}
	return false
}

// groupAddr is the destination for multicast on a family.
func (c *Conn) groupAddr(v6 bool) netip.AddrPort {
	if v6 {
		return netip.AddrPortFrom(groupIPv6, uint16(c.port))
	}
	return netip.AddrPortFrom(groupIPv4, uint16(c.port))
}

// multicast sends m on one interface and family, split to fit the MTU,
// a large burst spread over time (conn_pace.go).
func (c *Conn) multicast(ifi *ifaceState, v6 bool, m *outMsg) {
	c.multicastPaced(ifi.Index, v6, pack(m, ifi.limit(v6)))
}

// unicast sends m to dst through interface ifi, split to fit limit.
func (c *Conn) unicast(ifi *ifaceState, v6 bool, dst netip.AddrPort, m *outMsg, limit int) {
	for _, b := range pack(m, limit) {
		c.write(v6, b, dst, ifi.Index)
	}
}

func (c *Conn) write(v6 bool, b []byte, dst netip.AddrPort, ifIndex int) {
	s := c.socks[0]
	if v6 {
		s = c.socks[1]
	}
	if s == nil {
		return
	}
	if dst.Addr().IsMulticast() {
		c.echo.add(b, time.Now()) // only multicast comes back to us
	}
	if _, err := s.WriteTo(b, dst, ifIndex); err != nil {
		c.stats.sendErrors.Add(1)
		return
	}
	c.stats.sent.Add(1)
}

// families calls fn for every interface and family the Conn serves, in a
// stable order.
func (c *Conn) families(fn func(ifi *ifaceState, v6 bool)) {
	for _, ifi := range c.sortedIfaces() {
		if ifi.v4 {
			fn(ifi, false)
		}
		if ifi.v6 {
			fn(ifi, true)
		}
	}
}
