package mdns

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"
)

// Host is a host name published for a device that cannot speak mDNS
// itself (a printer, a camera, a box behind a router): its address records
// (A, AAAA), their reverse-mapping PTRs and an NSEC naming the types it has
// (RFC 6762 §6.1), as avahi-publish -a and dns-sd -P do. They are probed
// and defended like this machine's own (RFC 6762 §8, §9).
//
// A Service with Host and Addrs publishes the same records for its SRV
// target; Conn.RegisterHostNoWait publishes them with no service.
type Host struct {
	// Name is the host's label, "printer" for printer.local ("printer.local"
	// is accepted too): letters, digits and '-'.
	Name string
	// Addrs are its addresses, at least one. An address without a zone is
	// published on every interface the Conn serves; an IPv6 link-local
	// address must carry the zone of its interface ("fe80::9%eth0") and
	// is published there only.
	Addrs []netip.Addr
	// TTL overrides the records' TTL; zero means RFC 6762 §10's 120 s.
	TTL time.Duration
	// NoRename makes a conflict over the name fail the registration with
	// a *ConflictError instead of renaming it "printer-2".
	NoRename bool
}

// HostLabel returns the label of a host name given as "printer" or
// "printer.local" (trailing dot allowed), checked with ValidateHostLabel.
func HostLabel(name string) (string, error) {
	l := strings.TrimSuffix(name, ".")
	if i := strings.IndexByte(l, '.'); i >= 0 {
		if !strings.EqualFold(l[i+1:], "local") {
			return "", fmt.Errorf("%w: host name %q: a host published here lives in .local (RFC 6762 §3)", ErrInvalidName, name)
		}
		l = l[:i]
	}
	if err := ValidateHostLabel(l); err != nil {
		return "", err
	}
	return l, nil
}

// checkHostAddrs validates the addresses of a published host.
func checkHostAddrs(name string, addrs []netip.Addr) error {
	if len(addrs) == 0 {
		return fmt.Errorf("%w: host %q has no address", ErrInvalidAddr, name)
	}
	for _, a := range addrs {
		switch u := a.Unmap(); {
		case !a.IsValid():
			return fmt.Errorf("%w: host %q: invalid address", ErrInvalidAddr, name)
		case u.IsUnspecified() || u.IsMulticast() || u.IsLoopback():
			return fmt.Errorf("%w: host %q: %v is not a host's address", ErrInvalidAddr, name, a)
		case u.Is6() && u.IsLinkLocalUnicast() && a.Zone() == "":
			return fmt.Errorf("%w: host %q: link-local %v needs the zone of its interface (%v%%eth0)", ErrInvalidAddr, name, a, a)
		case u.Is4() && a.Zone() != "":
			return fmt.Errorf("%w: host %q: %v: an IPv4 address has no zone", ErrInvalidAddr, name, a)
		}
	}
	return nil
}

// hostAddrKey identifies an address set, whatever its order.
func hostAddrKey(addrs []netip.Addr) string {
	s := make([]string, len(addrs))
	for i, a := range addrs {
		s[i] = a.Unmap().String()
	}
	slices.Sort(s)
	return strings.Join(slices.Compact(s), " ")
}

// ValidateHost checks a Host as RegisterHostNoWait does: its name, addresses
// and TTL.
func ValidateHost(h Host) error {
	_, err := h.validate()
	return err
}

func (h *Host) validate() (label string, err error) {
	if label, err = HostLabel(h.Name); err != nil {
		return "", err
	}
	if err := checkHostAddrs(h.Name, h.Addrs); err != nil {
		return "", err
	}
	if h.TTL < 0 || (h.TTL > 0 && h.TTL < time.Second) {
		return "", fmt.Errorf("%w: host %q: TTL %v: must be zero (the default) or at least 1s", ErrInvalidTTL, h.Name, h.TTL)
	}
	return label, nil
}

// A HostRegistration is a Host published by a Conn. Its methods are safe
// for concurrent use.
type HostRegistration struct {
	c       *Conn
	changed chan struct{} // cap 1
	ready   chan struct{} // closed once established or failed

	mu   sync.Mutex
	name string // current label
	err  error

	// Owned by the loop goroutine.
	host    Host
	label   string // requested label
	px      *proxyHost
	isReady bool
}

// RegisterHostNoWait starts publishing h and returns without waiting,
// like RegisterNoWait: Ready, Wait and Err tell when its name is established.
func (c *Conn) RegisterHostNoWait(h Host) (*HostRegistration, error) {
	return c.publishHost(context.Background(), h)
}

// RegisterHost publishes h and returns once its name is established
// (probed and announced, RFC 6762 §8), renamed "printer-2" if another host
// holds it (unless h.NoRename). If ctx ends first, it is withdrawn.
func (c *Conn) RegisterHost(ctx context.Context, h Host) (*HostRegistration, error) {
	hr, err := c.publishHost(ctx, h)
	if err != nil {
		return nil, err
	}
	if err := hr.Wait(ctx); err != nil {
		if ctx.Err() != nil && err == ctx.Err() {
			c.do(context.Background(), func() { c.resp.withdrawHost(hr, nil) })
		}
		return nil, err
	}
	return hr, nil
}

func (c *Conn) publishHost(ctx context.Context, h Host) (*HostRegistration, error) {
	label, err := h.validate()
	if err != nil {
		return nil, err
	}
	h.Addrs = slices.Clone(h.Addrs)
	hr := &HostRegistration{c: c, host: h, label: label, name: label, changed: make(chan struct{}, 1), ready: make(chan struct{})}
	if e := c.do(ctx, func() { err = c.resp.addHost(hr) }); e != nil {
		return nil, e
	}
	if err != nil {
		return nil, err
	}
	return hr, nil
}

// Name returns the host's current label ("printer", or "printer-2" after
// a conflict).
func (hr *HostRegistration) Name() string {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return hr.name
}

// Ready is closed once the host name is established or has failed.
func (hr *HostRegistration) Ready() <-chan struct{} { return hr.ready }

// Wait waits until the host name is established (nil) or failed (Err);
// when ctx ends first it returns ctx.Err() and publishing carries on.
func (hr *HostRegistration) Wait(ctx context.Context) error {
	return hr.c.waitReady(ctx, hr.ready, hr.Err)
}

// Changed receives a value after the host was renamed by a conflict that
// came after it was established (RFC 6762 §9), or after it failed.
func (hr *HostRegistration) Changed() <-chan struct{} { return hr.changed }

// Err is non-nil once the registration failed: a *ConflictError when the
// name was lost with NoRename, ErrClosed when the Conn closed first.
func (hr *HostRegistration) Err() error {
	hr.mu.Lock()
	defer hr.mu.Unlock()
	return hr.err
}

// Deregister withdraws the host: its records are sent with TTL 0, twice
// (RFC 6762 §10.1), unless a service of this Conn still points at it. It
// returns after the second goodbye; calling it again does nothing.
func (hr *HostRegistration) Deregister(ctx context.Context) error {
	return hr.c.withdrawAndWait(ctx, func(done func()) { hr.c.resp.withdrawHost(hr, done) })
}

// The methods below run on the loop goroutine.

func (hr *HostRegistration) setName(label string) {
	hr.mu.Lock()
	hr.name = label
	hr.mu.Unlock()
	if hr.isReady {
		hr.notify()
	}
}

func (hr *HostRegistration) notify() {
	select {
	case hr.changed <- struct{}{}:
	default:
	}
}

func (hr *HostRegistration) established() {
	if !hr.isReady {
		hr.isReady = true
		close(hr.ready)
	}
}

func (hr *HostRegistration) fail(err error) {
	hr.mu.Lock()
	if hr.err == nil {
		hr.err = err
	}
	hr.mu.Unlock()
	wasReady := hr.isReady
	hr.established()
	if wasReady {
		hr.notify()
	}
}
