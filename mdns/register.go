package mdns

import (
	"context"
	"slices"
	"sync"
)

// A Registration is a service published by a Conn. Its methods are safe
// for concurrent use.
type Registration struct {
	c       *Conn
	changed chan struct{} // cap 1
	ready   chan struct{} // closed once established or failed

	mu      sync.Mutex
	pub     Service // what Service and Instance report
	err     error
	srvHost string // the SRV target now, for HostName

	// Owned by the loop (Conn.mu held).
	svc      Service
	cl       *claim
	typeName string // "_http._tcp.local."
	instName string // "My\ Printer._http._tcp.local."
	instKey  string // canonical instName
	recs     []*prr
	isReady  bool
	// The host the SRV points at (responder_proxy.go): px, a host we
	// publish for another device, or target, another responder's label;
	// neither: this machine.
	px     *proxyHost
	target string
}

// Register publishes s: it probes the instance name (and the host name,
// the first time) on every interface, renames it "Name (2)" and so on if
// another host holds it (unless s.NoRename), announces it, and returns
// once it is established. The returned Registration reports the final
// name. If ctx ends first, the registration is withdrawn.
//
// Register is RegisterNoWait followed by Wait. To register many services,
// call RegisterNoWait for each and wait afterwards: they are probed
// together.
func (c *Conn) Register(ctx context.Context, s Service) (*Registration, error) {
	g, err := c.publish(ctx, s)
	if err != nil {
		return nil, err
	}
	if err := g.Wait(ctx); err != nil {
		if ctx.Err() != nil && err == ctx.Err() {
			c.do(context.Background(), func() { c.resp.withdraw(g, nil) })
		}
		return nil, err
	}
	return g, nil
}

// RegisterNoWait starts publishing s and returns without waiting: the probes and
// announcements of RFC 6762 §8 go on in the Conn's own goroutine, together
// for everything published at about the same time. Ready is closed once
// the registration is established or has failed (Err says which); Wait
// waits for it. Until then the name may still change (a conflict) and
// the service is not answered for. Withdraw it with Deregister.
//
// Registering a thousand services this way takes a thousand calls and no
// goroutine of the caller's; they are established about as fast as one.
func (c *Conn) RegisterNoWait(s Service) (*Registration, error) {
	return c.publish(context.Background(), s)
}

// publish validates s and hands it to the loop; ctx bounds only the hand
// over.
func (c *Conn) publish(ctx context.Context, s Service) (*Registration, error) {
	if err := s.validate(); err != nil {
		return nil, err
	}
	s.Subtypes = slices.Clone(s.Subtypes)
	s.Text = cloneText(s.Text)
	s.Addrs = slices.Clone(s.Addrs)
	g := &Registration{c: c, svc: s, pub: s, changed: make(chan struct{}, 1), ready: make(chan struct{})}
	g.cl = &claim{reg: g, per: make(map[int]*claimIf)}
	var err error
	if e := c.do(ctx, func() { err = c.resp.add(g) }); e != nil {
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	return g, nil
}

// Ready is closed once the registration is established (probed and
// announced on its interfaces) or has failed; Err tells which.
func (g *Registration) Ready() <-chan struct{} { return g.ready }

// Wait waits until the registration is established, and returns nil, or
// until it fails, and returns Err. When ctx ends first it returns
// ctx.Err() and the registration carries on; when the Conn closes first,
// ErrClosed.
func (g *Registration) Wait(ctx context.Context) error {
	return g.c.waitReady(ctx, g.ready, g.Err)
}

// Instance returns the current instance name (raw UTF-8).
func (g *Registration) Instance() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.pub.Instance
}

// HostName returns the host the service's SRV record points at now,
// without the trailing dot: "h1.local", or "printer-2.local" for a host
// published with the service (Service.Addrs) that lost its name to
// another host; such a rename is reported on Changed.
func (g *Registration) HostName() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.srvHost
}

// Service returns the service as currently published, with its final
// instance name.
func (g *Registration) Service() Service {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.pub
	s.Subtypes = slices.Clone(s.Subtypes)
	s.Text = cloneText(s.Text)
	s.Addrs = slices.Clone(s.Addrs)
	return s
}

// Changed receives a value after the registration was renamed because of
// a conflict that came after it was established (RFC 6762 §9), or after
// it failed. It has a buffer of one: read Instance and Err after it.
func (g *Registration) Changed() <-chan struct{} { return g.changed }

// Err is non-nil once the registration failed: a *ConflictError when its
// name was lost with NoRename, ErrClosed when the Conn closed before it
// was established.
func (g *Registration) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

// Update replaces the TXT strings and port and announces the new SRV and
// TXT records with the cache-flush bit; the name stays, so there is no
// new probe (RFC 6762 §8.4).
func (g *Registration) Update(ctx context.Context, text [][]byte, port uint16) error {
	s := g.Service()
	s.Text, s.Port = cloneText(text), port
	if err := s.validate(); err != nil {
		return err
	}
	var err error
	if e := g.c.do(ctx, func() { err = g.c.resp.update(g, s.Text, port) }); e != nil {
		return e
	}
	return err
}

// Deregister withdraws the service: every record of it is sent with TTL 0,
// twice, 250 ms apart (RFC 6762 §10.1), and the host's records too when
// it was the last service. It returns after the second goodbye. Calling
// it again does nothing.
func (g *Registration) Deregister(ctx context.Context) error {
	return g.c.withdrawAndWait(ctx, func(done func()) { g.c.resp.withdraw(g, done) })
}

func cloneText(t [][]byte) [][]byte {
	if t == nil {
		return nil
	}
	out := make([][]byte, len(t))
	for i, s := range t {
		out[i] = slices.Clone(s)
	}
	return out
}

// The methods below run on the loop (Conn.mu held).

func (g *Registration) notify() {
	select {
	case g.changed <- struct{}{}:
	default:
	}
}

// setInstance renames the registration; a rename after it was
// established is reported on Changed.
func (g *Registration) setInstance(name string) {
	g.svc.Instance = name
	g.mu.Lock()
	g.pub.Instance = name
	g.mu.Unlock()
	if g.isReady {
		g.notify()
	}
}

func (g *Registration) established() {
	if !g.isReady {
		g.isReady = true
		close(g.ready)
	}
}

// fail records err and releases Register.
func (g *Registration) fail(err error, notify bool) {
	g.mu.Lock()
	if g.err == nil {
		g.err = err
	}
	g.mu.Unlock()
	g.established()
	if notify {
		g.notify()
	}
}
