package mdns_test

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
)

type lookupResult struct {
	addrs []netip.Addr
	err   error
	after time.Duration
}

func lookupAsync(c *mdns.Conn, ctx context.Context, host string) <-chan lookupResult {
	ch := make(chan lookupResult, 1)
	start := time.Now()
	go func() {
		a, err := c.LookupHost(ctx, host)
		ch <- lookupResult{a, err, time.Since(start)}
	}()
	synctest.Wait()
	return ch
}

// issue 14: LookupHost waits for the other address type when a responder
// sends A and AAAA separately (Avahi: each over its own family), returns
// at once when the host's NSEC denies the missing type (RFC 6762 §6.1),
// and after 1.25 s with what it has when nothing else comes.
func TestLookupHostBothFamilies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		ctx, cancel := contextWithTimeout(time.Minute)
		defer cancel()

		ch := lookupAsync(e.c, ctx, "split.local")
		time.Sleep(150 * ms)
		respond(t, e.link, peer4, aRR("split.local.", "10.0.0.5", 120, true))
		time.Sleep(80 * ms)
		respond(t, e.link, peer6, aaaaRR("split.local.", "fd00::5", 120))
		r := <-ch
		want := []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("fd00::5")}
		if r.err != nil || !slices.Equal(r.addrs, want) || r.after != 230*ms {
			t.Errorf("A then AAAA 80 ms later: %v, %v after %v; want %v after 230ms", r.addrs, r.err, r.after, want)
		}

		ch = lookupAsync(e.c, ctx, "v4only")
		time.Sleep(150 * ms)
		respond(t, e.link, peer4, aRR("v4only.local.", "10.0.0.6", 120, true), nsecRR("v4only.local.", 120, dns.TypeA))
		if r := <-ch; r.err != nil || len(r.addrs) != 1 || r.after != 150*ms {
			t.Errorf("A with an NSEC denying AAAA: %v, %v after %v; want at once", r.addrs, r.err, r.after)
		}

		ch = lookupAsync(e.c, ctx, "quiet.local")
		time.Sleep(150 * ms)
		respond(t, e.link, peer4, aRR("quiet.local.", "10.0.0.7", 120, true))
		if r := <-ch; r.err != nil || len(r.addrs) != 1 || r.after != 1400*ms {
			t.Errorf("A alone: %v, %v after %v; want it 1.25 s after it came", r.addrs, r.err, r.after)
		}

		// The cache answers at once, as long as the TTL lasts.
		if r := <-lookupAsync(e.c, ctx, "split.local"); r.err != nil || len(r.addrs) != 2 || r.after != 0 {
			t.Errorf("from the cache: %v, %v after %v", r.addrs, r.err, r.after)
		}

		short, cancel2 := contextWithTimeout(time.Second)
		defer cancel2()
		if r := <-lookupAsync(e.c, short, "nobody.local"); !errors.Is(r.err, mdns.ErrNotFound) || !errors.Is(r.err, context.DeadlineExceeded) {
			t.Errorf("nobody: %v", r.err)
		}
	})
}

// issue 14: LookupAddr asks for the reverse-mapping PTR (RFC 6762 §4) and
// returns the name; a zone limits it to that interface.
func TestLookupAddr(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		type res struct {
			names []string
			err   error
		}
		ch := make(chan res, 1)
		go func() {
			n, err := e.c.LookupAddr(ctx, netip.MustParseAddr("10.0.0.5"))
			ch <- res{n, err}
		}()
		time.Sleep(150 * ms)
		if n := len(e.asking("5.0.0.10.in-addr.arpa.", dns.TypePTR)); n != 1 {
			t.Errorf("%d PTR queries for the reverse name, want 1", n)
		}
		respond(t, e.link, peer4, ptrRR("5.0.0.10.in-addr.arpa.", "web.local.", 120))
		if r := <-ch; r.err != nil || !slices.Equal(r.names, []string{"web.local"}) {
			t.Errorf("LookupAddr(10.0.0.5) = %v, %v", r.names, r.err)
		}

		rev6 := "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa."
		respond(t, e.link, peer6, ptrRR(rev6, "web.local.", 120))
		if n, err := e.c.LookupAddr(ctx, netip.MustParseAddr("fe80::5%eth0")); err != nil || !slices.Equal(n, []string{"web.local"}) {
			t.Errorf("LookupAddr(fe80::5%%eth0) = %v, %v", n, err)
		}
		short, cancel2 := contextWithTimeout(time.Second)
		defer cancel2()
		if _, err := e.c.LookupAddr(short, netip.MustParseAddr("fe80::5%wlan0")); !errors.Is(err, mdns.ErrNotFound) {
			t.Errorf("a zone nothing was heard on: %v, want ErrNotFound", err)
		}
		if _, err := e.c.LookupAddr(ctx, netip.Addr{}); !errors.Is(err, mdns.ErrInvalidAddr) {
			t.Errorf("the zero Addr: %v", err)
		}
	})
}

// Our responder's reverse PTRs and NSEC: a LookupAddr and LookupHost from
// another host of the link get h1's name and both its addresses at once.
func TestLookupOurHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		h1, pub := addHost(t, link, "h1", both)
		register(t, pub, svc("Web"))
		_, c := addHost(t, link, "h2", both)
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		names, err := c.LookupAddr(ctx, h1.Addrs("eth0")[0])
		if err != nil || !slices.Equal(names, []string{"h1.local"}) {
			t.Errorf("LookupAddr(%v) = %v, %v", h1.Addrs("eth0")[0], names, err)
		}
		start := time.Now()
		addrs, err := c.LookupHost(ctx, "h1.local")
		if err != nil || len(addrs) != 3 || time.Since(start) > 200*ms {
			t.Errorf("LookupHost(h1) = %v, %v after %v; want 3 addresses within a query's delay", addrs, err, time.Since(start))
		}
	})
}

// issue 14: Resolve, like LookupHost, waits for the host's other address
// type (Avahi sends A over IPv4 only, AAAA over IPv6), so that one answer
// over one family does not make the entry.
func TestResolveWaitsForBothFamilies(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		ctx, cancel := contextWithTimeout(time.Minute)
		defer cancel()
		type res struct {
			e     mdns.ServiceEntry
			err   error
			after time.Duration
		}
		ch := make(chan res, 1)
		start := time.Now()
		go func() {
			en, err := e.c.Resolve(ctx, "Web", "_http._tcp", "")
			ch <- res{en, err, time.Since(start)}
		}()
		time.Sleep(150 * ms)
		name := "Web._http._tcp.local."
		respond(t, e.link, peer6, srvRR(name, "web.local.", 80, 120), txtRR(name, 4500, "v=1"), aaaaRR("web.local.", "fd00::5", 120))
		time.Sleep(60 * ms)
		respond(t, e.link, peer4, aRR("web.local.", "10.0.0.5", 120, true))
		r := <-ch
		want := []netip.Addr{netip.MustParseAddr("10.0.0.5"), netip.MustParseAddr("fd00::5")}
		if r.err != nil || !slices.Equal(r.e.Addrs, want) || r.after != 210*ms {
			t.Errorf("Resolve = %v, %v after %v; want %v after 210ms", r.e.Addrs, r.err, r.after, want)
		}
	})
}
