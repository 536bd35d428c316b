package mdnstest

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"sync"
	"time"
)

// LinkConfig configures a [Link]. The zero value is a perfect link whose
// [Link.AddHost] numbers hosts in 10.0.0.0/16 and fd00::/64, with a log of
// the last 10000 packets.
type LinkConfig struct {
	// Name identifies the link in error messages.
	Name string
	// Seed seeds the random faults; the same seed and the same traffic
	// give the same fates.
	Seed uint64
	// Faults are the link's initial impairments; see [Link.SetFaults].
	Faults Faults
	// LogSize is how many of the latest packets [Link.Packets] keeps:
	// 0 means 10000, negative means none. A logged packet keeps its bytes
	// and one Delivery per receiving interface, so with hundreds of hosts
	// keep the log small and use [Link.Tap].
	LogSize int
	// IPv4Prefix and IPv6Prefix are where AddHost takes host addresses
	// from: host n gets the prefix's n-th address.
	IPv4Prefix, IPv6Prefix netip.Prefix
}

const defaultLogSize = 10000

// A Link is one simulated layer-2 segment: every interface attached to it
// hears the multicast sent on it. It is safe for concurrent use.
//
// Create a link, its hosts and their sockets inside the synctest bubble of
// the test that uses them: channels and timers belong to the bubble they
// were created in.
type Link struct {
	name     string
	seed     uint64
	logSize  int
	prefix4  netip.Prefix
	prefix6  netip.Prefix
	tapCalls sync.Mutex // held while taps run: stop waits for them
	mu       sync.Mutex
	faults   Faults
	members  []*iface // attached interfaces, in attach order
	nextHost int
	seq      uint64
	order    uint64
	log      []*record
	stats    Stats
	queue    flights
	held     []*flight
	timer    *time.Timer
	instant  time.Time         // time of the latest packet…
	instantN map[uint64]uint64 // …and how often each key occurred at it
	taps     map[int]func(Packet)
	nextTap  int
	closed   bool
}

// NewLink returns an empty link.
func NewLink(cfg LinkConfig) *Link {
	l := &Link{
		name:     cfg.Name,
		seed:     cfg.Seed,
		logSize:  cfg.LogSize,
		prefix4:  cfg.IPv4Prefix,
		prefix6:  cfg.IPv6Prefix,
		faults:   cfg.Faults,
		instantN: make(map[uint64]uint64),
		taps:     make(map[int]func(Packet)),
	}
	if l.name == "" {
		l.name = "link"
	}
	if l.logSize == 0 {
		l.logSize = defaultLogSize
	}
	if !l.prefix4.IsValid() {
		l.prefix4 = netip.MustParsePrefix("10.0.0.0/16")
	}
	if !l.prefix6.IsValid() {
		l.prefix6 = netip.MustParsePrefix("fd00::/64")
	}
	return l
}

// AddHost is a shorthand for a host named name with one interface, eth0,
// attached to l. The n-th host added this way gets the n-th addresses of
// the link's IPv4 and IPv6 prefixes and fe80::n. It panics when the
// prefixes are exhausted.
func (l *Link) AddHost(name string) *Host {
	l.mu.Lock()
	l.nextHost++
	n := l.nextHost
	l.mu.Unlock()
	v4, v6 := nthAddr(l.prefix4, n), nthAddr(l.prefix6, n)
	if !l.prefix4.Contains(v4) || !l.prefix6.Contains(v6) {
		panic(fmt.Sprintf("mdnstest: %s: no address left for host %d", l.name, n))
	}
	h := NewHost(HostConfig{Name: name})
	_, err := h.AddInterface(l, InterfaceConfig{Name: "eth0", Prefixes: []netip.Prefix{
		netip.PrefixFrom(v4, l.prefix4.Bits()),
		netip.PrefixFrom(v6, l.prefix6.Bits()),
		netip.PrefixFrom(nthAddr(netip.MustParsePrefix("fe80::/64"), n), 64),
	}})
	if err != nil { // cannot happen: a new host has no eth0 yet
		panic(err)
	}
	return h
}

// nthAddr returns p's network address plus n.
func nthAddr(p netip.Prefix, n int) netip.Addr {
	b := p.Masked().Addr().As16()
	carry := uint(n)
	for i := len(b) - 1; i >= 0 && carry > 0; i-- {
		sum := uint(b[i]) + carry&0xff
		b[i] = byte(sum)
		carry = carry>>8 + sum>>8
	}
	a := netip.AddrFrom16(b)
	if p.Addr().Is4() {
		return a.Unmap()
	}
	return a
}

// SetFaults replaces the link's impairments for the packets sent from now
// on; packets already in flight keep their fate.
func (l *Link) SetFaults(f Faults) {
	l.mu.Lock()
	l.faults = f
	l.mu.Unlock()
}

// Stats returns the link's counters.
func (l *Link) Stats() Stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Packets returns the logged packets, oldest first, with what has
// happened to them so far (copies still in flight have no Delivery yet).
func (l *Link) Packets() []Packet {
	l.mu.Lock()
	defer l.mu.Unlock()
	recs := l.log[max(0, len(l.log)-l.logSize):]
	out := make([]Packet, len(recs))
	for i, r := range recs {
		out[i] = r.snapshot()
	}
	return out
}

// Tap calls fn with every packet sent on l from now on, once the link is
// done with it (delivered, or dropped, all copies accounted for). Calls
// are serialized, in the order packets finish, on the sending goroutine
// or the link's timer goroutine: guard what fn shares with the test. fn
// must not send on l nor call stop. stop unregisters fn and waits until fn has returned for the
// last time.
func (l *Link) Tap(fn func(Packet)) (stop func()) {
	l.mu.Lock()
	id := l.nextTap
	l.nextTap++
	l.taps[id] = fn
	l.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			l.mu.Lock()
			delete(l.taps, id)
			l.mu.Unlock()
			l.tapCalls.Lock() // a call in progress may still use fn
			l.tapCalls.Unlock()
		})
	}
}

func (l *Link) tap(done []Packet) {
	if len(done) == 0 {
		return
	}
	l.tapCalls.Lock()
	defer l.tapCalls.Unlock()
	l.mu.Lock()
	fns := make([]func(Packet), 0, len(l.taps))
	for id := range l.nextTap {
		if fn, ok := l.taps[id]; ok {
			fns = append(fns, fn)
		}
	}
	l.mu.Unlock()
	for _, p := range done {
		for _, fn := range fns {
			fn(p)
		}
	}
}

// Inject puts a datagram on the link as if a machine that is not
// simulated had sent it from src: a spoofed or off-link source, a legacy
// unicast querier's ephemeral port. It goes through the link's faults and
// log like any packet; multicast reaches every member that joined the
// group, unicast the interface that has dst's address.
func (l *Link) Inject(src, dst netip.AddrPort, data []byte) error {
	if !src.IsValid() || !dst.IsValid() || src.Addr().Is4() != dst.Addr().Is4() ||
		src.Addr().Is4In6() || dst.Addr().Is4In6() {
		return fmt.Errorf("mdnstest: inject %v -> %v: need two valid addresses of one family", src, dst)
	}
	if len(data) > maxPayload(dst.Addr().Is4()) {
		return fmt.Errorf("mdnstest: inject %d bytes: %w", len(data), ErrTooLarge)
	}
	l.transmit(send{src: src, dst: dst, data: bytes.Clone(data)})
	return nil
}

// Close drops the packets still in flight and every packet sent later,
// and stops the link's timer. Hosts and sockets stay usable. Close is
// idempotent.
func (l *Link) Close() error {
	var done []Packet
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		if l.timer != nil {
			l.timer.Stop()
		}
		for _, f := range l.queue {
			f.rec.pending--
			if f.rec.pending == 0 {
				if f.rec.sockets == 0 && f.rec.p.Dropped == "" {
					f.rec.p.Dropped = DropLinkClosed
				}
				l.finishLocked(f.rec, &done)
			}
		}
		l.queue, l.held = nil, nil
	}
	l.mu.Unlock()
	l.tap(done)
	return nil
}

// maxPayload is the largest UDP payload of an IP version (EMSGSIZE
// beyond): 65535 minus the IPv4 and UDP headers, or minus the UDP header
// for IPv6, whose header is not counted in its payload length.
func maxPayload(v4 bool) int {
	if v4 {
		return 65535 - 20 - 8
	}
	return 65535 - 8
}

// headerLen is the IP plus UDP header size, for the MTU check.
func headerLen(v4 bool) int {
	if v4 {
		return 20 + 8
	}
	return 40 + 8
}

// send is one datagram handed to the link.
type send struct {
	from     *iface // nil for Inject
	src, dst netip.AddrPort
	data     []byte
	loopback bool // the sending host gets a copy (IP_MULTICAST_LOOP)
}

// transmit logs a datagram, applies the faults and schedules its copies.
func (l *Link) transmit(s send) {
	now := time.Now()
	v4 := s.dst.Addr().Is4()
	var done []Packet

	l.mu.Lock()
	l.seq++
	rec := &record{from: s.from, p: Packet{Seq: l.seq, Time: now, Src: s.src, Dst: s.dst, Data: s.data}}
	if s.from != nil {
		rec.p.Host, rec.p.IfName, rec.p.IfIndex = s.from.host.name, s.from.name, s.from.index
		if len(s.data)+headerLen(v4) > s.from.mtuSnapshot() {
			rec.p.OverMTU = true
			l.stats.OverMTU++
		}
	}
	l.logLocked(rec)
	l.stats.Sent++
	if s.loopback {
		// The looped-back copy is made by the sender's IP stack before
		// the wire, so no fault applies to it.
		q, full := s.from.host.receive(s.from, s.src, s.dst, s.data, true)
		l.recordLocked(rec, now, s.from, 0, true, q, full)
	}
	if l.closed {
		rec.p.Dropped = DropLinkClosed
		l.finishLocked(rec, &done)
		l.mu.Unlock()
		l.tap(done)
		return
	}
	rng := l.rngLocked(now, s.src, s.dst, s.data)
	faults := l.faults
	l.mu.Unlock()

	verdict := Deliver
	data := s.data
	if faults.Hook != nil {
		p := rec.p // only this goroutine writes rec until it is scheduled
		p.Data, p.Deliveries = bytes.Clone(s.data), nil
		verdict = faults.Hook(&p)
		data = p.Data
	}
	fate := faults.decide(rng)

	l.mu.Lock()
	defer func() {
		l.mu.Unlock()
		l.tap(done)
	}()
	rec.p.Data = data
	switch {
	case l.closed:
		rec.p.Dropped = DropLinkClosed
	case verdict == Drop:
		rec.p.Dropped = DropHook
		l.stats.HookDropped++
	case fate.lost:
		rec.p.Dropped = DropLoss
		l.stats.Lost++
	default:
		l.scheduleCopiesLocked(rec, now, fate, &faults)
		l.runDueLocked(now, &done)
		l.armLocked(now)
		return
	}
	l.finishLocked(rec, &done)
}

func (l *Link) scheduleCopiesLocked(rec *record, now time.Time, fate fate, faults *Faults) {
	rec.pending = fate.copies
	if fate.copies > 1 {
		l.stats.Duplicated++
	}
	timeout := faults.ReorderTimeout
	if timeout <= 0 {
		timeout = defaultReorderTimeout
	}
	earlier := l.held
	l.held = nil
	var release time.Time
	for c := range fate.copies {
		f := &flight{rec: rec, copy: c}
		at := now.Add(fate.delay[c])
		if fate.held[c] {
			f.held = true
			l.stats.Reordered++
			l.scheduleLocked(f, at.Add(timeout))
			l.held = append(l.held, f)
			continue
		}
		l.scheduleLocked(f, at)
		if release.IsZero() {
			release = at
		}
	}
	if release.IsZero() { // this packet is held too: the earlier ones wait on
		l.held = append(earlier, l.held...)
		return
	}
	l.releaseHeldLocked(earlier, release)
}

// rngLocked returns the generator for one packet's fate.
func (l *Link) rngLocked(now time.Time, src, dst netip.AddrPort, data []byte) *rand.Rand {
	if !now.Equal(l.instant) {
		l.instant = now
		clear(l.instantN)
	}
	key := packetKey(src, dst, now, data)
	n := l.instantN[key] // identical packets at one instant still differ
	l.instantN[key] = n + 1
	return rand.New(rand.NewPCG(l.seed, key+n*0x9e3779b97f4a7c15))
}

func (l *Link) logLocked(rec *record) {
	if l.logSize < 0 {
		return
	}
	l.log = append(l.log, rec)
	if len(l.log) >= 2*l.logSize {
		n := copy(l.log, l.log[len(l.log)-l.logSize:])
		clear(l.log[n:])
		l.log = l.log[:n]
	}
}

// deliverLocked hands one copy to the sockets of the interfaces it reaches.
func (l *Link) deliverLocked(f *flight, done *[]Packet) {
	rec := f.rec
	p := &rec.p
	if p.Dst.Addr().IsMulticast() {
		for _, m := range l.members {
			if m == rec.from {
				continue
			}
			q, full := m.host.receive(m, p.Src, p.Dst, p.Data, true)
			l.recordLocked(rec, f.at, m, f.copy, false, q, full)
		}
	} else if m := l.ownerLocked(p.Dst.Addr()); m != nil {
		q, full := m.host.receive(m, p.Src, p.Dst, p.Data, false)
		l.recordLocked(rec, f.at, m, f.copy, false, q, full)
	} else {
		rec.noHost = true
	}
	rec.pending--
	if rec.pending == 0 {
		l.finishLocked(rec, done)
	}
}

func (l *Link) recordLocked(rec *record, at time.Time, m *iface, copy int, loop bool, q, full int) {
	l.stats.Delivered += q
	l.stats.QueueFull += full
	if q+full == 0 {
		return
	}
	rec.p.Deliveries = append(rec.p.Deliveries, Delivery{
		Time: at, Host: m.host.name, IfIndex: m.index, Copy: copy,
		Loopback: loop, Sockets: q, QueueFull: full,
	})
	if !loop {
		rec.sockets += q
		rec.full += full
	}
}

// ownerLocked finds the attached interface that has addr.
func (l *Link) ownerLocked(addr netip.Addr) *iface {
	addr = addr.WithZone("")
	for _, m := range l.members {
		if m.host.has(m, addr) {
			return m
		}
	}
	return nil
}

// finishLocked settles why a packet went nowhere and queues it for taps.
func (l *Link) finishLocked(rec *record, done *[]Packet) {
	if rec.p.Dropped == "" && rec.sockets == 0 {
		switch {
		case rec.noHost:
			rec.p.Dropped = DropNoHost
			l.stats.NoHost++
		case rec.full > 0:
			rec.p.Dropped = DropQueueFull
		default:
			rec.p.Dropped = DropNoListener
			l.stats.NoListener++
		}
	}
	if len(l.taps) > 0 {
		*done = append(*done, rec.snapshot())
	}
}

// attach and detach add and remove a host interface.
func (l *Link) attach(m *iface) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !m.host.alive(m) {
		return
	}
	l.members = append(l.members, m)
}

func (l *Link) detach(m *iface) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.members {
		if x == m {
			l.members = append(l.members[:i], l.members[i+1:]...)
			return
		}
	}
}
