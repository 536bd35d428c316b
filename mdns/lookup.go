package mdns

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// hostGrace is how long LookupHost waits, after the first address of a
// host, for the other address type: a responder may send A and AAAA
// records over their own families only (Avahi does by default), in
// answers to queries that go out up to 100 ms apart (RFC 6762 §5.2).
const hostGrace = 250 * time.Millisecond

// errGrace ends a lookup whose grace period is over.
var errGrace = errors.New("grace period over")

// LookupHost returns the addresses of a host name such as "h1.local" (a
// name without a dot gets ".local"), IPv4 first, IPv6 link-local ones with
// their zone. It returns once both address types are known (or denied by
// the host's NSEC record, RFC 6762 §6.1), or hostGrace (250 ms) after the
// first address if the other type does not come; answers in the cache
// count at once, for as long as their TTL. When ctx ends before any
// address, the error wraps both ErrNotFound and ctx.Err(); when it ends
// with some, they are returned.
func (c *Conn) LookupHost(ctx context.Context, host string) ([]netip.Addr, error) {
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
	var got []netip.Addr
	errFound := errors.New("found")
	inner, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var grace *time.Timer
	defer func() {
		if grace != nil {
			grace.Stop()
		}
	}()
	err := c.run(inner, b, func(ev event) error {
		got = ev.entry.Addrs
		if ev.complete {
			return errFound
		}
		if grace == nil {
			grace = time.AfterFunc(hostGrace, func() { cancel(errGrace) })
		}
		return nil
	})
	switch {
	case err == errFound, len(got) > 0 && inner.Err() != nil:
		return got, nil
	case ctx.Err() != nil && err == inner.Err():
		return nil, fmt.Errorf("mdns: lookup %q: %w: %w", host, ErrNotFound, ctx.Err())
	}
	return nil, err
}

// hostHas reports whether the cache holds a record of type typ (A or
// AAAA) for host on some interface, or an NSEC from the host that says
// it has none (RFC 6762 §6.1).
func (q *querier) hostHas(host string, typ uint16) bool {
	found := false
	q.all(host, typ, func(*cacheEntry) { found = true })
	q.all(host, dns.TypeNSEC, func(e *cacheEntry) {
		if n, ok := e.rr.(*dns.NSEC); ok && canonical(n.NextDomain) == host && !slices.Contains(n.TypeBitMap, typ) {
			found = true
		}
	})
	return found
}

// LookupAddr returns the host names an address maps to through its
// reverse-mapping PTR record ("5.0.0.10.in-addr.arpa." for 10.0.0.5,
// RFC 6762 §4), such as "h1.local", without the trailing dot. An IPv6
// address with a zone ("fe80::1%eth0") is looked up on that interface
// only. It returns at the first answer; when ctx ends first, the error
// wraps both ErrNotFound and ctx.Err().
func (c *Conn) LookupAddr(ctx context.Context, addr netip.Addr) ([]string, error) {
	if !addr.IsValid() {
		return nil, fmt.Errorf("%w: invalid address", ErrInvalidName)
	}
	rev, err := dns.ReverseAddr(addr.Unmap().WithZone("").String())
	if err != nil {
		return nil, fmt.Errorf("%w: address %v: %v", ErrInvalidName, addr, err)
	}
	b := newBrowser(c.qr, browseAddr)
	b.hostName, b.host, b.addrZone = rev, canonical(rev), addr.Zone()
	var got []string
	errFound := errors.New("found")
	err = c.run(ctx, b, func(ev event) error {
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

// settleAddr reports the names the reverse-mapping name points at, from
// the cache, and asks for them while there are none.
func (b *browser) settleAddr() {
	if !b.hostDirty {
		return
	}
	b.hostDirty = false
	var names []string
	b.q.all(b.host, dns.TypePTR, func(e *cacheEntry) {
		if b.addrZone != "" && e.ifName != b.addrZone {
			return
		}
		if p, ok := e.rr.(*dns.PTR); ok {
			if n := strings.TrimSuffix(p.Ptr, "."); !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	})
	slices.Sort(names)
	want := make(map[askKey]string)
	if len(names) == 0 {
		want[everywhere(b.host, dns.TypePTR)] = b.hostName
	}
	b.setAsking(b.hostAsking, want)
	if len(names) > 0 {
		b.out.push(b.host, event{kind: EventAdd, names: names})
	}
}
