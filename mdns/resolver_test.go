package mdns_test

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// resolverEnv is h1 publishing a service (so its host name) and a
// Resolver on h2's Conn, whose fallback must not be called for .local
// names and never reaches a network.
func resolverEnv(t *testing.T) (*mdns.Resolver, *atomic.Int32) {
	t.Helper()
	link := newLink(t)
	_, pub := addHost(t, link, "h1", both)
	register(t, pub, svc("Web"))
	_, c := addHost(t, link, "h2", both)
	fallbacks := new(atomic.Int32) // net dials from its own goroutine
	r := &mdns.Resolver{Conn: c, Fallback: &net.Resolver{PreferGo: true,
		Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
			fallbacks.Add(1)
			return nil, errors.New("test: no DNS here")
		}}}
	return r, fallbacks
}

// noDNS is a Go resolver that never reaches a network.
var noDNS = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("test: no DNS here")
}}

// initResolverOutsideBubble makes package net read its resolver
// configuration outside any synctest bubble. It keeps that state
// process-wide, with a channel made on first use: made inside one bubble,
// it is fatal to use from the next one (go test -count=2).
var initResolverOutsideBubble = sync.OnceFunc(func() {
	noDNS.LookupHost(context.Background(), "example.invalid")
})

// issue 14: .local names resolve over mDNS; the answer is cached (a
// second lookup costs no time); ip4 and ip6 filter; other names go to the
// fallback resolver; a name nobody answers is a *net.DNSError that wraps
// ErrNotFound.
func TestResolver(t *testing.T) {
	initResolverOutsideBubble()
	synctest.Test(t, func(t *testing.T) {
		r, fallbacks := resolverEnv(t)
		ctx := context.Background()
		addrs, err := r.LookupNetIP(ctx, "ip", "h1.local.")
		want := []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fe80::1%eth0")}
		if err != nil || !slices.Equal(addrs, want) {
			t.Fatalf("LookupNetIP(h1.local) = %v, %v; want %v", addrs, err, want)
		}
		start := time.Now()
		if a, err := r.LookupNetIP(ctx, "ip6", "H1.local"); err != nil || len(a) != 2 || !a[0].Is6() || time.Since(start) != 0 {
			t.Errorf("ip6, from the cache: %v, %v after %v", a, err, time.Since(start))
		}
		if s, err := r.LookupHost(ctx, "h1.local"); err != nil || s[0] != "10.0.0.1" {
			t.Errorf("LookupHost = %v, %v", s, err)
		}
		if fallbacks.Load() != 0 {
			t.Errorf("the fallback was asked about a .local name")
		}
		_, err = r.LookupNetIP(ctx, "ip", "nobody.local")
		var dnsErr *net.DNSError
		if !errors.As(err, &dnsErr) || !dnsErr.IsNotFound || !errors.Is(err, mdns.ErrNotFound) || time.Since(start) != mdns.DefaultLookupTimeout {
			t.Errorf("nobody.local: %v after %v", err, time.Since(start))
		}
		if _, err := r.LookupNetIP(ctx, "ip", "example.invalid"); err == nil || fallbacks.Load() == 0 {
			t.Errorf("example.invalid: %v, fallback asked %d times; want it asked", err, fallbacks.Load())
		}
	})
}

// issue 14: the Dialer dials the addresses of a .local name in turn, IPv4
// first (here every attempt is stopped before connect: nothing leaves
// this machine), only those of the network's family, and hands other
// names to net.Dialer untouched.
func TestDialerTriesEachAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, _ := resolverEnv(t)
		var mu sync.Mutex
		var tried []string
		errStop := errors.New("test: stopped before connect")
		d := &mdns.Dialer{Resolver: r, Dialer: net.Dialer{Control: func(network, address string, _ syscall.RawConn) error {
			mu.Lock()
			tried = append(tried, network+" "+address)
			mu.Unlock()
			return errStop
		}}}
		ctx := context.Background()
		if _, err := d.DialContext(ctx, "tcp", "h1.local:8080"); !errors.Is(err, errStop) {
			t.Errorf("DialContext: %v", err)
		}
		if want := []string{"tcp4 10.0.0.1:8080", "tcp6 [fd00::1]:8080"}; len(tried) < 2 || !slices.Equal(tried[:2], want) {
			t.Errorf("tried %q, want %q first", tried, want)
		}
		tried = nil
		d.DialContext(ctx, "tcp4", "h1.local:80")
		if !slices.Equal(tried, []string{"tcp4 10.0.0.1:80"}) {
			t.Errorf("tcp4 tried %q", tried)
		}
		tried = nil
		d.DialContext(ctx, "tcp", "192.0.2.1:80") // a literal: straight to net.Dialer
		if !slices.Equal(tried, []string{"tcp4 192.0.2.1:80"}) {
			t.Errorf("literal tried %q", tried)
		}
		if _, err := d.DialContext(ctx, "tcp", "nobody.local:80"); !errors.Is(err, mdns.ErrNotFound) {
			t.Errorf("nobody.local: %v", err)
		}
	})
}

func TestIsLocalName(t *testing.T) {
	for name, want := range map[string]bool{"box.local": true, "Box.LOCAL.": true, "a.b.local": true,
		"local": false, "box.localhost": false, "example.com": false, "10.0.0.1": false} {
		if got := mdns.IsLocalName(name); got != want {
			t.Errorf("IsLocalName(%q) = %v", name, got)
		}
	}
}
