package mdns_test

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// A responder on this machine (avahi-daemon, mDNSResponder) that holds our
// host name with other records is the machine's: we keep the name, point
// our SRV at it, let it answer for the addresses and publish only our
// services (responder_defer.go).

// daemon is the co-resident responder: it sends from h1's own address.
var daemon = netip.MustParseAddrPort("10.0.0.1:5353")

// daemonRecords are what the daemon publishes for h1.local: fewer of the
// machine's addresses than we do (no link-local IPv6).
func daemonRecords() []dns.RR {
	return []dns.RR{aRR("h1.local.", "10.0.0.1", 120, true), aaaaRR("h1.local.", "fd00::1", 120)}
}

// hostAddrRecords returns the A and AAAA records of h1.local in ws.
func hostAddrRecords(ws []wire) []dns.RR {
	var out []dns.RR
	for _, w := range ws {
		for _, sec := range [][]dns.RR{w.m.Answer, w.m.Extra} {
			for _, rr := range sec {
				if t := rr.Header().Rrtype; (t == dns.TypeA || t == dns.TypeAAAA) && dns.CanonicalName(rr.Header().Name) == "h1.local." {
					out = append(out, rr)
				}
			}
		}
	}
	return out
}

// The daemon first: it answers our probe for h1.local with fewer of this
// machine's addresses than ours. From another host that is a conflict
// (TestRegisterHostConflict: h1-2); from this machine we defer.
func TestHostDeferredToDaemonAtProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		start := time.Now()
		res := registerAsync(c, svc("My Service"))
		waitProbe(t, link, start)
		inject(t, link, daemon, group4, response(daemonRecords()...))
		deferred := time.Now()
		r := <-res
		if r.err != nil {
			t.Fatal(r.err)
		}
		if got := c.HostName(); got != "h1" {
			t.Fatalf("host name %q, want h1 (the daemon's)", got)
		}
		if s := c.Stats(); s.HostDeferrals != 1 || s.Conflicts != 0 {
			t.Errorf("stats: %d deferrals, %d conflicts; want 1 and 0", s.HostDeferrals, s.Conflicts)
		}
		mdnstest.Advance(8 * time.Second)
		ws := responses(sent(t, link, "h1", deferred))
		anns := withRR(ws, inst, dns.TypeSRV)
		if len(anns) != 4 || findRR(anns[0].m.Answer, inst, dns.TypeSRV).(*dns.SRV).Target != "h1.local." {
			dump(t, ws)
			t.Fatal("want four announcements of the SRV, pointing at h1.local.")
		}
		if a := hostAddrRecords(ws); len(a) != 0 {
			t.Errorf("published h1.local addresses the daemon holds: %v", a)
		}
		// Queries for the host's addresses are the daemon's to answer;
		// an SRV answer carries no addresses of ours.
		t1 := time.Now()
		inject(t, link, peer4, group4, query(q("h1.local.", dns.TypeA), q(inst, dns.TypeSRV)))
		mdnstest.Advance(time.Second)
		ws = responses(sent(t, link, "h1", t1))
		if len(withRR(ws, inst, dns.TypeSRV)) != 1 || len(hostAddrRecords(ws)) != 0 {
			dump(t, ws)
			t.Error("want the SRV answered without host addresses")
		}
		// Goodbyes on Close are for our services only.
		t2 := time.Now()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		ws = responses(sent(t, link, "h1", t2))
		if len(withRR(ws, inst, dns.TypeSRV)) != 2 || len(hostAddrRecords(ws)) != 0 {
			dump(t, ws)
			t.Error("want two goodbyes of the service and none for the daemon's addresses")
		}
	})
}

// Ours first: the daemon starts later and probes h1.local with its own
// records. We neither defend nor rename: we stop publishing the addresses
// and keep our services. A probe with exactly our records is no conflict.
func TestHostDeferredToDaemonProbe(t *testing.T) {
	for _, tc := range []struct {
		name      string
		proposed  []dns.RR
		wantDefer bool
	}{
		{"other records", daemonRecords(), true},
		{"our records", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link, c, g := published(t, svc("My Service"))
				if tc.proposed == nil {
					// What we publish, exactly: h1's addresses on the
					// default mdnstest link.
					tc.proposed = []dns.RR{aRR("h1.local.", "10.0.0.1", 120, true), aaaaRR("h1.local.", "fd00::1", 120), aaaaRR("h1.local.", "fe80::1", 120)}
				}
				t0 := time.Now()
				inject(t, link, daemon, group4, probeFor("h1.local.", tc.proposed...))
				mdnstest.Advance(2 * time.Second)
				ws := responses(sent(t, link, "h1", t0))
				if tc.wantDefer && len(hostAddrRecords(ws)) != 0 {
					dump(t, ws)
					t.Error("answered the daemon's probe with our addresses")
				}
				if got := c.Stats().HostDeferrals; (got == 1) != tc.wantDefer {
					t.Errorf("%d deferrals, want defer=%v", got, tc.wantDefer)
				}
				if c.HostName() != "h1" || g.Instance() != "My Service" || c.Stats().Conflicts != 0 {
					t.Errorf("host %q instance %q conflicts %d: the name must not change", c.HostName(), g.Instance(), c.Stats().Conflicts)
				}
				t1 := time.Now()
				inject(t, link, peer4, group4, query(q("h1.local.", dns.TypeA)))
				mdnstest.Advance(time.Second)
				answered := len(hostAddrRecords(responses(sent(t, link, "h1", t1)))) > 0
				if answered == tc.wantDefer {
					t.Errorf("answered a query for h1.local/A: %v, want %v", answered, !tc.wantDefer)
				}
			})
		})
	}
}

// When the daemon withdraws its addresses (goodbyes) and does not come
// back within 5 s, we probe the host name and publish the addresses again;
// a daemon that restarts (goodbyes, then a probe) keeps the name.
func TestHostReclaimedWhenDaemonLeaves(t *testing.T) {
	for _, tc := range []struct {
		name        string
		restart     bool
		wantReclaim bool
	}{
		{"daemon stopped", false, true},
		{"daemon restarted", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := newLink(t)
				_, c := addHost(t, link, "h1")
				start := time.Now()
				res := registerAsync(c, svc("My Service"))
				waitProbe(t, link, start)
				inject(t, link, daemon, group4, response(daemonRecords()...))
				if r := <-res; r.err != nil {
					t.Fatal(r.err)
				}
				mdnstest.Advance(10 * time.Second)
				t0 := time.Now()
				inject(t, link, daemon, group4, response(aRR("h1.local.", "10.0.0.1", 0, true)))
				if tc.restart {
					mdnstest.Advance(2 * time.Second)
					inject(t, link, daemon, group4, probeFor("h1.local.", daemonRecords()...))
				}
				mdnstest.Advance(10 * time.Second)
				ws := sent(t, link, "h1", t0)
				ps := probes(ws)
				addrs := hostAddrRecords(responses(ws))
				if !tc.wantReclaim {
					if len(ps) != 0 || len(addrs) != 0 {
						dump(t, ws)
						t.Fatal("took the host name back from a daemon that restarted")
					}
					return
				}
				if len(ps) != 3 || ps[0].Time.Sub(t0) < 5*time.Second || ps[0].Time.Sub(t0) > 5250*time.Millisecond {
					dump(t, ws)
					t.Fatalf("want three probes for h1.local from 5 s after the daemon's goodbye")
				}
				if len(addrs) == 0 || c.HostName() != "h1" {
					dump(t, ws)
					t.Fatal("want our addresses announced under h1.local again")
				}
			})
		})
	}
}

// Only this machine can make us defer: the same records from another
// host's address, or an off-link one, never do.
func TestHostNotDeferredToOthers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, _ := published(t, svc("My Service"))
		inject(t, link, peer4, group4, probeFor("h1.local.", aRR("h1.local.", "10.0.0.200", 120, true)))
		inject(t, link, netip.MustParseAddrPort("192.0.2.1:5353"), group4, probeFor("h1.local.", aRR("h1.local.", "192.0.2.1", 120, true)))
		mdnstest.Advance(5 * time.Second)
		if s := c.Stats(); s.HostDeferrals != 0 || c.HostName() != "h1" {
			t.Errorf("host %q after foreign probes, %d deferrals; want h1 defended, none", c.HostName(), s.HostDeferrals)
		}
	})
}

// A packet from one of our own IPv6 addresses proves nothing: Linux
// delivers IPv6 datagrams from the wire that carry our own address as
// source (it drops such IPv4 ones). Such a claim on our host name is
// neither a conflict nor a reason to defer; this machine's responder is
// recognised by its IPv4 packets.
func TestHostNotDeferredToOwnIPv6Source(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, g := published(t, svc("My Service"), both)
		for _, src := range []string{"[fd00::1]:5353", "[fe80::1]:5353"} {
			spoof := netip.MustParseAddrPort(src)
			inject(t, link, spoof, group6, probeFor("h1.local.", daemonRecords()...))
			inject(t, link, spoof, group6, response(daemonRecords()...))
		}
		mdnstest.Advance(5 * time.Second)
		if s := c.Stats(); s.HostDeferrals != 0 || s.Conflicts != 0 || c.HostName() != "h1" || g.Instance() != "My Service" {
			t.Fatalf("after IPv6 claims from our own addresses: %d deferrals, %d conflicts, host %q; want none and h1", s.HostDeferrals, s.Conflicts, c.HostName())
		}
		inject(t, link, daemon, group4, probeFor("h1.local.", daemonRecords()...))
		mdnstest.Advance(time.Second)
		if s := c.Stats(); s.HostDeferrals != 1 || c.HostName() != "h1" {
			t.Errorf("the IPv4 probe from our own address: %d deferrals, host %q; want 1 and h1", s.HostDeferrals, c.HostName())
		}
	})
}
