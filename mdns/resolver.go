package mdns

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Go's resolver does not resolve names in .local (golang/go#35067): on
// most systems they reach it through nss-mdns, which a Go program without
// cgo never calls. A Resolver resolves them over mDNS and hands every
// other name to the system's resolver; a Dialer dials with it, and plugs
// into net/http:
//
//	d := &mdns.Dialer{Resolver: &mdns.Resolver{Conn: conn}}
//	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
//	resp, err := client.Get("http://box.local:8080/")

// DefaultLookupTimeout bounds a .local lookup whose context has no
// earlier deadline: queries go out at once and after 1 s (RFC 6762 §5.2),
// and a responder that is up answers within about 120 ms of each.
const DefaultLookupTimeout = 3 * time.Second

// A Resolver resolves host names: those in .local over multicast DNS
// (Conn.LookupHost), every other one with Fallback. Answers are cached by
// the Conn for as long as their records' TTLs (120 s for addresses), so
// a program that dials one name again and again asks the link once. The
// zero value is ready to use: it opens a Conn on first use. It is safe
// for concurrent use.
type Resolver struct {
	// Conn is the mDNS endpoint to ask. nil: the Resolver opens one on
	// first use, with Config, and Close closes it.
	Conn *Conn
	// Config configures the Conn the Resolver opens when Conn is nil;
	// a browse-only Conn publishes nothing.
	Config Config
	// Fallback resolves names outside .local; nil means
	// net.DefaultResolver.
	Fallback *net.Resolver
	// Timeout bounds a .local lookup when ctx has no earlier deadline;
	// zero means DefaultLookupTimeout.
	Timeout time.Duration

	mu    sync.Mutex
	owned *Conn
}

// IsLocalName reports whether host is in the .local domain, which only
// multicast DNS resolves (RFC 6762 §3): "box.local", "box.local.".
func IsLocalName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return strings.HasSuffix(h, ".local")
}

func (r *Resolver) conn() (*Conn, error) {
	if r.Conn != nil {
		return r.Conn, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.owned == nil {
		c, err := Listen(r.Config)
		if err != nil {
			return nil, err
		}
		r.owned = c
	}
	return r.owned, nil
}

// Close closes the Conn the Resolver opened, if it opened one.
func (r *Resolver) Close() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.owned == nil {
		return nil
	}
	err := r.owned.Close()
	r.owned = nil
	return err
}

func (r *Resolver) fallback() *net.Resolver {
	if r.Fallback != nil {
		return r.Fallback
	}
	return net.DefaultResolver
}

// LookupNetIP returns the addresses of host, like net.Resolver's:
// network is "ip", "ip4" or "ip6". For a .local name it returns at the
// first answer, which is what a dial needs (Conn.LookupHost waits for
// both address families). A .local name that no responder answers for
// fails with a *net.DNSError (IsNotFound) that wraps ErrNotFound.
func (r *Resolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	if !IsLocalName(host) {
		return r.fallback().LookupNetIP(ctx, network, host)
	}
	want4, want6, err := families(network)
	if err != nil {
		return nil, err
	}
	c, err := r.conn()
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: host, UnwrapErr: err}
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultLookupTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := c.lookupHost(ctx, host, 0) // one address is enough to dial
	if err != nil {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: errors.Is(err, ErrNotFound),
			IsTimeout: errors.Is(err, context.DeadlineExceeded), UnwrapErr: err}
	}
	var out []netip.Addr
	for _, a := range addrs {
		if a.Is4() && want4 || a.Is6() && want6 {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no " + network + " address", Name: host, IsNotFound: true, UnwrapErr: ErrNotFound}
	}
	return out, nil
}

// LookupHost returns the addresses of host as strings, like
// net.Resolver's.
func (r *Resolver) LookupHost(ctx context.Context, host string) ([]string, error) {
	if !IsLocalName(host) {
		return r.fallback().LookupHost(ctx, host)
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(addrs))
	for i, a := range addrs {
		out[i] = a.String()
	}
	return out, nil
}

// families reads the address families a network name allows.
func families(network string) (v4, v6 bool, err error) {
	switch {
	case strings.HasSuffix(network, "4"):
		return true, false, nil
	case strings.HasSuffix(network, "6"):
		return false, true, nil
	case network == "ip" || network == "tcp" || network == "udp" || network == "":
		return true, true, nil
	}
	return false, false, net.UnknownNetworkError(network)
}

// A Dialer connects like net.Dialer, resolving .local names with its
// Resolver; other names and address literals go to net.Dialer as they
// are. Its DialContext fits http.Transport.DialContext. The zero value
// uses a Resolver of its own (which opens a Conn on first use).
type Dialer struct {
	net.Dialer           // timeouts, keep-alive, local address, and other names
	Resolver   *Resolver // for .local names; nil: one of the Dialer's own
	once       sync.Once
	own        *Resolver
}

// Dial connects to address on network, as DialContext with a background
// context.
func (d *Dialer) Dial(network, address string) (net.Conn, error) {
	return d.DialContext(context.Background(), network, address)
}

// DialContext connects to address ("box.local:8080") on network ("tcp",
// "tcp4", "tcp6", "udp"...). The addresses of a .local name are tried in
// turn, IPv4 first, each with a share of the time left (as net.Dialer
// shares it), until one connects.
func (d *Dialer) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil || !IsLocalName(host) {
		return d.Dialer.DialContext(ctx, network, address)
	}
	v4, v6, err := families(network)
	if err != nil {
		return d.Dialer.DialContext(ctx, network, address) // its own error
	}
	ipNet := "ip"
	switch {
	case !v6:
		ipNet = "ip4"
	case !v4:
		ipNet = "ip6"
	}
	addrs, err := d.resolver().LookupNetIP(ctx, ipNet, host)
	if err != nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: err}
	}
	if d.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d.Timeout)
		defer cancel()
	}
	var errs []error
	for i, a := range addrs {
		actx := ctx
		if dl, ok := ctx.Deadline(); ok {
			// net.Dialer's partial deadline: the time left shared by
			// the addresses left, at least 2 s each.
			share := time.Until(dl) / time.Duration(len(addrs)-i)
			var cancel context.CancelFunc
			actx, cancel = context.WithTimeout(ctx, max(share, min(2*time.Second, time.Until(dl))))
			defer cancel()
		}
		c, err := d.Dialer.DialContext(actx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, fmt.Errorf("mdns: dial %s: %w", address, errors.Join(errs...))
}

// Close closes the Resolver the Dialer made for itself, if it made one;
// call it after the last dial.
func (d *Dialer) Close() error {
	d.once.Do(func() {}) // no Resolver of its own from now on
	if d.own != nil {
		return d.own.Close()
	}
	return nil
}

func (d *Dialer) resolver() *Resolver {
	if d.Resolver != nil {
		return d.Resolver
	}
	d.once.Do(func() { d.own = &Resolver{} })
	return d.own
}
