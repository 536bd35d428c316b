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
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

var (
	printer4  = netip.MustParseAddr("10.0.0.9")
	printerLL = netip.MustParseAddr("fe80::9%eth0")
)

func printerSvc() mdns.Service {
	return mdns.Service{Instance: "Office Printer", Type: "_ipp._tcp", Port: 631, Priority: 10, Weight: 5,
		Host: "printer", Addrs: []netip.Addr{printer4, printerLL}}
}

// sentNames reports whether host sent a record of type typ named name
// (in any section) after since.
func sentRR(t *testing.T, l *mdnstest.Link, host string, since time.Time, name string, typ uint16) bool {
	t.Helper()
	for _, w := range sent(t, l, host, since) {
		for _, sec := range [][]dns.RR{w.m.Answer, w.m.Ns, w.m.Extra} {
			if findRR(sec, name, typ) != nil {
				return true
			}
		}
	}
	return false
}

// issue 14: a service published for another device (dns-sd -P): its SRV
// points at the device's name, whose A/AAAA records are probed (in the
// authority section, RFC 6762 §8.2), announced and answered with, with
// reverse PTRs; another host resolves the instance, the host and the
// address. This machine's own host name is not published: no service
// points at it.
func TestProxyServiceResolved(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		start := time.Now()
		_, pub := addHost(t, link, "h1", both)
		g := register(t, pub, printerSvc())
		if got := g.Service(); got.Host != "printer" || !slices.Equal(got.Addrs, printerSvc().Addrs) || g.HostName() != "printer.local" {
			t.Errorf("Service() = %+v", got)
		}
		ps := probes(sent(t, link, "h1", start))
		if len(ps) == 0 || findRR(ps[0].m.Ns, "printer.local.", dns.TypeA) == nil || findRR(ps[0].m.Ns, "printer.local.", dns.TypeAAAA) == nil {
			t.Fatalf("no probe proposing printer.local's addresses: %v", ps)
		}
		if sentRR(t, link, "h1", start, "h1.local.", dns.TypeA) {
			t.Error("h1.local published though no service points at it")
		}

		_, c := addHost(t, link, "h2", both)
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		e, err := c.Resolve(ctx, "Office Printer", "_ipp._tcp", "")
		if err != nil {
			t.Fatal(err)
		}
		if e.Host != "printer.local" || e.Port != 631 || e.Priority != 10 || e.Weight != 5 ||
			!slices.Equal(e.Addrs, []netip.Addr{printer4, printerLL}) {
			t.Errorf("Resolve = %+v; want printer.local 631 prio 10 weight 5 at %v %v", e, printer4, printerLL)
		}
		addrs, err := c.LookupHost(ctx, "printer")
		if err != nil || len(addrs) != 2 {
			t.Errorf("LookupHost(printer) = %v, %v", addrs, err)
		}
		names, err := c.LookupAddr(ctx, printer4)
		if err != nil || !slices.Equal(names, []string{"printer.local"}) {
			t.Errorf("LookupAddr(%v) = %v, %v", printer4, names, err)
		}

		// Deregister: goodbyes for the service and the host's records.
		t0 := time.Now()
		if err := g.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		var byes int
		for _, w := range responses(sent(t, link, "h1", t0)) {
			if rr := findRR(w.m.Answer, "printer.local.", dns.TypeA); rr != nil && rr.Header().Ttl == 0 {
				byes++
			}
		}
		if byes != 4 { // twice, over IPv4 and IPv6
			t.Errorf("%d goodbyes for printer.local/A, want 2 per family", byes)
		}
	})
}

// issue 14: the address records alone (avahi-publish -a): RegisterHost,
// resolved at once by another host (A plus an NSEC that denies AAAA),
// renamed "cam-2" when another host holds the name, or failed with
// NoRename.
func TestProxyHostAlone(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, pub := addHost(t, link, "h1", both)
		ctx, cancel := contextWithTimeout(10 * time.Second)
		defer cancel()
		hr, err := pub.RegisterHost(ctx, mdns.Host{Name: "cam.local", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.8")}})
		if err != nil || hr.Name() != "cam" {
			t.Fatalf("RegisterHost: %v, %v", hr, err)
		}
		_, c := addHost(t, link, "h2", both)
		start := time.Now()
		addrs, err := c.LookupHost(ctx, "cam.local")
		if err != nil || !slices.Equal(addrs, []netip.Addr{netip.MustParseAddr("10.0.0.8")}) || time.Since(start) > 150*time.Millisecond {
			t.Errorf("LookupHost(cam) = %v, %v after %v", addrs, err, time.Since(start))
		}

		// A second machine wants "cam" for another address.
		_, other := addHost(t, link, "h3", both)
		hr2, err := other.RegisterHost(ctx, mdns.Host{Name: "cam", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.77")}})
		if err != nil || hr2.Name() != "cam-2" {
			t.Fatalf("second cam: %v, %v; want cam-2", hr2, err)
		}
		_, err = c.RegisterHost(ctx, mdns.Host{Name: "cam", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.78")}, NoRename: true})
		var ce *mdns.ConflictError
		if !errors.As(err, &ce) || ce.Name != "cam.local" {
			t.Errorf("NoRename: %v, want a ConflictError for cam.local", err)
		}
		if err := hr.Deregister(ctx); err != nil {
			t.Fatal(err)
		}
		if err := hr.Deregister(ctx); err != nil {
			t.Errorf("second Deregister: %v", err)
		}
	})
}

// Registrations naming one proxied host share it: the records stay until
// the last goes. Other addresses for the same name, addresses for this
// machine's own name, and addresses without a host are refused.
func TestProxyShared(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, pub := addHost(t, link, "h1", both)
		ctx := context.Background()
		a := register(t, pub, printerSvc())
		s2 := printerSvc()
		s2.Instance, s2.Type, s2.Addrs = "Office Scanner", "_uscan._tcp", []netip.Addr{printerLL, printer4}
		b := register(t, pub, s2)
		hr, err := pub.RegisterHost(ctx, mdns.Host{Name: "Printer", Addrs: []netip.Addr{printer4, printerLL}})
		if err != nil || hr.Name() != "printer" {
			t.Fatalf("a Host with the same name and addresses: %v, %v", hr, err)
		}
		// A service naming the host alone points at it too.
		s3 := mdns.Service{Instance: "Fax", Type: "_fax._tcp", Port: 9, Host: "printer"}
		register(t, pub, s3)

		bad := printerSvc()
		bad.Instance, bad.Addrs = "Other", []netip.Addr{netip.MustParseAddr("10.0.0.10")}
		if _, err := pub.Register(ctx, bad); !errors.Is(err, mdns.ErrInvalidName) {
			t.Errorf("the same host with other addresses: %v", err)
		}
		own := printerSvc()
		own.Instance, own.Host = "Mine", "h1"
		if _, err := pub.Register(ctx, own); !errors.Is(err, mdns.ErrInvalidName) {
			t.Errorf("addresses for this machine's own name: %v", err)
		}
		noHost := printerSvc()
		noHost.Host = ""
		if _, err := pub.Register(ctx, noHost); !errors.Is(err, mdns.ErrInvalidAddr) {
			t.Errorf("addresses without a host: %v", err)
		}
		for _, tc := range []struct {
			h    mdns.Host
			want error
		}{
			{mdns.Host{Name: "x", Addrs: nil}, mdns.ErrInvalidAddr},
			{mdns.Host{Name: "x", Addrs: []netip.Addr{netip.MustParseAddr("fe80::1")}}, mdns.ErrInvalidAddr},
			{mdns.Host{Name: "x", Addrs: []netip.Addr{netip.MustParseAddr("224.0.0.251")}}, mdns.ErrInvalidAddr},
			{mdns.Host{Name: "x.example.com", Addrs: []netip.Addr{printer4}}, mdns.ErrInvalidName},
			{mdns.Host{Name: "bad_name", Addrs: []netip.Addr{printer4}}, mdns.ErrInvalidName},
		} {
			if _, err := pub.RegisterHostNoWait(tc.h); !errors.Is(err, tc.want) {
				t.Errorf("RegisterHostNoWait(%+v) = %v, want %v", tc.h, err, tc.want)
			}
		}

		t0 := time.Now()
		if err := a.Deregister(ctx); err != nil {
			t.Fatal(err)
		}
		if err := b.Deregister(ctx); err != nil {
			t.Fatal(err)
		}
		if err := hr.Deregister(ctx); err != nil {
			t.Fatal(err)
		}
		for _, w := range responses(sent(t, link, "h1", t0)) {
			if rr := findRR(w.m.Answer, "printer.local.", dns.TypeA); rr != nil && rr.Header().Ttl == 0 {
				t.Fatalf("goodbye for printer.local while the Fax service points at it:\n%v", w)
			}
		}
	})
}

// A proxied name that another responder of this machine holds with other
// addresses is an ordinary conflict (RFC 6762 §9), not a reason to defer
// as for our own host name (responder_defer.go): the later one is renamed.
func TestProxyConflictOnThisMachine(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		h1, first := addHost(t, link, "h1", both)
		second := listen(t, h1, both, func(c *mdns.Config) { c.Rand = nil })
		ctx, cancel := contextWithTimeout(10 * time.Second)
		defer cancel()
		a, err := first.RegisterHost(ctx, mdns.Host{Name: "printer", Addrs: []netip.Addr{printer4}})
		if err != nil {
			t.Fatal(err)
		}
		b, err := second.RegisterHost(ctx, mdns.Host{Name: "printer", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.10")}})
		if err != nil {
			t.Fatal(err)
		}
		if a.Name() != "printer" || b.Name() != "printer-2" {
			t.Errorf("names %q and %q, want printer and printer-2", a.Name(), b.Name())
		}
		if d := first.Stats().HostDeferrals + second.Stats().HostDeferrals; d != 0 {
			t.Errorf("%d host deferrals for a proxied name", d)
		}
	})
}

// A proxied host renamed after a late conflict takes the SRV records
// pointing at it along; its HostRegistration reports the new name.
func TestProxyLateConflictMovesSRV(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, pub := addHost(t, link, "h1")
		g := register(t, pub, printerSvc())
		hr, err := pub.RegisterHost(context.Background(), mdns.Host{Name: "printer", Addrs: []netip.Addr{printer4, printerLL}})
		if err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		m.Response, m.Authoritative = true, true
		m.Answer = []dns.RR{aRR("printer.local.", "10.0.0.66", 120, true)}
		inject(t, link, peer4, group4, m)
		// The late conflict re-probes; the peer defends (answers again).
		for range 3 {
			time.Sleep(300 * time.Millisecond)
			inject(t, link, peer4, group4, m)
		}
		for _, ch := range []<-chan struct{}{hr.Changed(), g.Changed()} {
			select {
			case <-ch:
			case <-time.After(10 * time.Second):
				t.Fatal("no rename reported")
			}
		}
		if hr.Name() != "printer-2" {
			t.Fatalf("renamed to %q, want printer-2", hr.Name())
		}
		time.Sleep(3 * time.Second)
		_, c := addHost(t, link, "h2")
		ctx, cancel := contextWithTimeout(5 * time.Second)
		defer cancel()
		e, err := c.Resolve(ctx, g.Instance(), "_ipp._tcp", "")
		if err != nil || e.Host != "printer-2.local" || g.HostName() != "printer-2.local" {
			t.Errorf("after the rename the service resolves to %+v, %v; want printer-2.local", e, err)
		}
	})
}

// A zoned link-local address is published on its interface only; a proxied
// host with no address on an interface is not probed there.
func TestProxyZonedAddress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		other := newLink(t, mdnstest.LinkConfig{Name: "other"})
		h1 := link.AddHost("h1")
		t.Cleanup(func() { h1.Close() })
		if _, err := h1.AddInterface(other, mdnstest.InterfaceConfig{Name: "eth1", Prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.5.1/24"), netip.MustParsePrefix("fe80::1/64")}}); err != nil {
			t.Fatal(err)
		}
		pub := listen(t, h1, both)
		start := time.Now()
		if _, err := pub.RegisterHost(context.Background(), mdns.Host{Name: "sensor", Addrs: []netip.Addr{netip.MustParseAddr("fe80::77%eth1")}}); err != nil {
			t.Fatal(err)
		}
		var onEth0, onEth1 bool
		for _, p := range link.Packets() {
			onEth0 = onEth0 || p.Host == "h1" && p.Time.After(start)
		}
		for _, p := range other.Packets() {
			onEth1 = onEth1 || p.Host == "h1" && p.Time.After(start)
		}
		if onEth0 || !onEth1 {
			t.Errorf("sent on eth0: %v, on eth1: %v; want eth1 only", onEth0, onEth1)
		}
	})
}

// A Host without addresses is another responder's: the SRV points at it,
// nothing waits for it and no address record of it, or of this machine,
// is published.
func TestServiceOnAnotherHost(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, pub := addHost(t, link, "h1")
		start := time.Now()
		register(t, pub, mdns.Service{Instance: "Files", Type: "_smb._tcp", Port: 445, Host: "nas.local."})
		var target string
		for _, w := range responses(sent(t, link, "h1", start)) {
			if rr, ok := findRR(w.m.Answer, "", dns.TypeSRV).(*dns.SRV); ok {
				target = rr.Target
			}
		}
		if target != "nas.local." {
			t.Errorf("SRV target %q, want nas.local.", target)
		}
		for _, name := range []string{"nas.local.", "h1.local."} {
			if sentRR(t, link, "h1", start, name, dns.TypeA) {
				t.Errorf("published an address of %s", name)
			}
		}
	})
}
