package mdns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// hostGrace is how long LookupHost and Resolve wait, after the first
// address of a host, for the other address type. A responder may send A
// and AAAA records over their own families only (Avahi does by default),
// and one that multicast a record less than a second ago sends it again
// only when that second is over (RFC 6762 §6): the query asked again
// after a second (§5.2) gets it. A host that has one family only and says
// so with an NSEC (RFC 6762 §6.1; mdnskit does, Avahi does not) costs no
// wait.
const hostGrace = 1250 * time.Millisecond

// errGrace ends a lookup whose grace period is over.
var errGrace = errors.New("grace period over")

// LookupHost returns the addresses of a host name such as "h1.local" (a
// name without a dot gets ".local"), IPv4 first, IPv6 link-local ones with
// their zone. It returns once both address types are known (or denied by
// the host's NSEC record, RFC 6762 §6.1), or 1.25 s after the first
// address if the other type does not come (see hostGrace); answers in the cache
// count at once, for as long as their TTL. When ctx ends before any
// address, the error wraps both ErrNotFound and ctx.Err(); when it ends
// with some, they are returned.
func (c *Conn) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
	return c.lookupHost(ctx, host, hostGrace)
}

// lookupHost is LookupHost waiting at most grace for the other address
// type; with grace 0 the first answer will do (a dialer needs one address).
func (c *Conn) lookupHost(ctx context.Context, host string, grace time.Duration) ([]netip.Addr, error) {
	h := strings.TrimSuffix(host, ".")
	if !strings.Contains(h, ".") {
		h += ".local"
	}
	if _, err := splitName(h); err != nil || h == "" {
		return nil, fmt.Errorf("%w: host name %q", ErrInvalidName, host)
	}
	b := newBrowser(c.qr, browseHost)
	b.hostName = dottedName(h)
	b.host = canonical(b.hostName)
	got, ok, err := c.runComplete(ctx, b, grace)
	switch {
	case ok:
		return got.Addrs, nil
	case ctx.Err() != nil && err == ctx.Err():
		return nil, fmt.Errorf("mdns: lookup %q: %w: %w", host, ErrNotFound, err)
	}
	return nil, err
}

// runComplete runs b until it reports an entry whose host has every
// address type known or denied, or until grace after its first entry,
// and returns the latest entry. When ctx ends first, ok says whether an
// entry came, and err is ctx.Err().
func (c *Conn) runComplete(ctx context.Context, b *browser, grace time.Duration) (got ServiceEntry, ok bool, err error) {
	errFound := errors.New("found")
	inner, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	err = c.run(inner, b, func(ev event) error {
		if ev.kind == EventRemove {
			ok = false
			return nil
		}
		got, ok = ev.entry, true
		if ev.complete || grace <= 0 {
			return errFound
		}
		if timer == nil {
			timer = time.AfterFunc(grace, func() { cancel(errGrace) })
		}
		return nil
	})
	switch {
	case err == errFound, ok && inner.Err() != nil:
		return got, true, nil
	case err == inner.Err() && ctx.Err() != nil:
		return got, false, ctx.Err()
	}
	return got, false, err
}

// LookupAddr returns the host names an address maps to through its
// reverse-mapping PTR record ("5.0.0.10.in-addr.arpa." for 10.0.0.5,
// RFC 6762 §4), such as "h1.local", without the trailing dot. An IPv6
// address with a zone ("fe80::1%eth0") is looked up on that interface
// only. It returns at the first answer; when ctx ends first, the error
// wraps both ErrNotFound and ctx.Err().
func (c *Conn) LookupAddr(ctx context.Context, addr netip.Addr) ([]string, error) {
	if !addr.IsValid() {
		return nil, fmt.Errorf("%w: the zero netip.Addr", ErrInvalidAddr)
	}
	rev := dnsmsg.ReverseAddr(addr.WithZone(""))
	b := newBrowser(c.qr, browseAddr)
	b.hostName, b.host, b.addrZone = rev, canonical(rev), addr.Zone()
	var got []string
	errFound := errors.New("found")
	err := c.run(ctx, b, func(ev event) error {
		got = ev.names
		return errFound
	})
	switch {
	case err == errFound:
		return got, nil
	case ctx.Err() != nil && err == ctx.Err():
		return nil, fmt.Errorf("mdns: lookup %v: %w: %w", addr, ErrNotFound, err)
	}
	return nil, err
}
