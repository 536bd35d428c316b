package mdns_test

import (
	"context"
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

func srv(name string, port uint16, target string) *dns.SRV {
	return &dns.SRV{Hdr: hdr(name, dns.TypeSRV, 120, false), Port: port, Target: target}
}

// RFC 6762 §8.1, RFC 6763 Appendix D: a response naming the instance
// during probing makes it "Name (2)", probed again from the start.
func TestRegisterRenamesOnProbeConflict(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		start := time.Now()
		res := registerAsync(c, svc("My Service"))
		p := waitProbe(t, link, start)
		inject(t, link, peer4, group4, response(srvRR(inst, "other.local.", 1, 120)))
		r := <-res
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.g.Instance() != "My Service (2)" {
			t.Fatalf("instance %q, want \"My Service (2)\"", r.g.Instance())
		}
		ps := probes(sent(t, link, "h1", p.Time.Add(time.Nanosecond)))
		var renamed []wire
		for _, w := range ps {
			if findRR(w.m.Ns, `My\ Service\ \(2\)._http._tcp.local.`, dns.TypeSRV) != nil {
				renamed = append(renamed, w)
			}
		}
		if len(renamed) != 3 {
			dump(t, ps)
			t.Fatalf("%d probes for the new name, want 3", len(renamed))
		}
		if d := renamed[0].Time.Sub(p.Time); d > 250*time.Millisecond {
			t.Errorf("new name probed %v after the conflict", d)
		}
		if got := c.Stats().Conflicts; got != 1 {
			t.Errorf("Stats.Conflicts = %d, want 1", got)
		}
	})
}

// RFC 6762 §8.2: simultaneous probes are decided by comparing the
// proposed records; the loser waits 1 s and probes again, the winner
// goes on, identical records are no conflict.
func TestRegisterSimultaneousProbeTiebreak(t *testing.T) {
	for _, tc := range []struct {
		name   string
		port   uint16 // theirs; ours is 8080
		target string
		lose   bool
	}{
		{"we win", 80, "h1.local.", false},
		{"we lose", 9000, "h1.local.", true},
		{"greater target wins", 8080, "zz.local.", true},
		{"identical", 8080, "h1.local.", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := newLink(t)
				_, c := addHost(t, link, "h1")
				start := time.Now()
				s := svc("My Service")
				res := registerAsync(c, s)
				p1 := waitProbe(t, link, start)
				their := []dns.RR{srv(inst, tc.port, tc.target), &dns.TXT{Hdr: hdr(inst, dns.TypeTXT, 4500, false), Txt: []string{"a=1"}}}
				inject(t, link, peer4, group4, probeFor(inst, their...))
				lost := time.Now()
				r := <-res
				if r.err != nil || r.g.Instance() != "My Service" {
					t.Fatalf("Register: %v, %q", r.err, r.g.Instance())
				}
				ps := probes(sent(t, link, "h1", start))
				dump(t, ps)
				var ours []wire
				for _, w := range ps {
					for _, q := range w.m.Question {
						if q.Name == inst {
							ours = append(ours, w)
						}
					}
				}
				if tc.lose {
					// Probe 1, then after losing: 1 s, then 3 probes.
					if len(ours) != 4 || ours[0].Time != p1.Time || ours[1].Time.Sub(lost) != time.Second {
						t.Fatalf("loser: %d probes, second %v after losing; want 4 and 1s", len(ours), ours[1].Time.Sub(lost))
					}
				} else if len(ours) != 3 || ours[2].Time.Sub(ours[0].Time) != 500*time.Millisecond {
					t.Fatalf("winner: %d probes, want 3 at 250ms spacing", len(ours))
				}
				if c.Stats().Conflicts != 0 {
					t.Errorf("a simultaneous probe counted as a conflict")
				}
			})
		})
	}
}

// Two of our responders with one name on one link end with distinct
// names (RFC 6762 §8.2 then §8.1).
func TestRegisterTwoHostsSameName(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c1 := addHost(t, link, "h1")
		_, c2 := addHost(t, link, "h2")
		r1, r2 := registerAsync(c1, svc("Printer")), registerAsync(c2, svc("Printer"))
		a, b := <-r1, <-r2
		if a.err != nil || b.err != nil {
			t.Fatal(a.err, b.err)
		}
		mdnstest.Advance(5 * time.Second)
		n1, n2 := a.g.Instance(), b.g.Instance()
		if n1 == n2 || (n1 != "Printer (2)" && n2 != "Printer (2)") {
			t.Fatalf("names %q and %q, want Printer and Printer (2)", n1, n2)
		}
		if n1 != a.g.Service().Instance {
			t.Error("Service() disagrees with Instance()")
		}
	})
}

// NoRename: a conflict fails the registration with a *ConflictError.
func TestRegisterNoRenameFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		s := svc("My Service")
		s.NoRename = true
		start := time.Now()
		res := registerAsync(c, s)
		waitProbe(t, link, start)
		inject(t, link, peer4, group4, response(srvRR(inst, "other.local.", 1, 120)))
		r := <-res
		var ce *mdns.ConflictError
		if !errors.As(r.err, &ce) || !errors.Is(r.err, mdns.ErrNameConflict) || ce.Name != "My Service" {
			t.Fatalf("Register: %v, want a *ConflictError for My Service", r.err)
		}
		// Our own second registration of one name is a conflict too.
		s.NoRename = false
		g1 := register(t, c, s)
		g2 := register(t, c, s)
		if g1.Instance() != "My Service" || g2.Instance() != "My Service (2)" {
			t.Fatalf("local duplicates: %q, %q", g1.Instance(), g2.Instance())
		}
	})
}

// RFC 6762 §8.1: 15 conflicts within 10 s make each further probe wait
// at least 5 s.
func TestRegisterConflictRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		start := time.Now()
		res := registerAsync(c, svc("My Service"))
		since := start
		var gaps []time.Duration
		var last time.Time
		for i := 0; i < 17; i++ {
			p := waitProbe(t, link, since)
			if !last.IsZero() {
				gaps = append(gaps, p.Time.Sub(last))
			}
			var name string
			for _, q := range p.m.Question {
				if q.Name != "h1.local." {
					name = q.Name
				}
			}
			if name == "" { // a probe for the host name only
				since = p.Time.Add(time.Nanosecond)
				i--
				continue
			}
			inject(t, link, peer4, group4, response(srvRR(name, "other.local.", 1, 120)))
			last = time.Now()
			since = last.Add(time.Nanosecond)
		}
		r := <-res
		if r.err != nil {
			t.Fatal(r.err)
		}
		t.Logf("gaps %v, final name %q", gaps, r.g.Instance())
		for i, g := range gaps {
			if i < 14 && g > 250*time.Millisecond {
				t.Errorf("probe after conflict %d waited %v, want ≤250ms", i+1, g)
			}
			if i >= 14 && g < 5*time.Second {
				t.Errorf("probe after conflict %d waited %v, want ≥5s", i+1, g)
			}
		}
		if got := c.Stats().Conflicts; got != 17 {
			t.Errorf("Stats.Conflicts = %d, want 17", got)
		}
	})
}

// RFC 6762 §9: a late conflict makes us probe again; identical data is no
// conflict; when the new probe fails too, the service is renamed and
// Changed fires.
func TestRegisterLateConflict(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, g := published(t, svc("My Service"))
		t0 := time.Now()
		inject(t, link, peer4, group4, response(srvRR(inst, "h1.local.", 8080, 120))) // identical
		mdnstest.Advance(2 * time.Second)
		if ps := probes(sent(t, link, "h1", t0)); len(ps) != 0 || c.Stats().Conflicts != 0 {
			t.Fatal("identical data from another host started a probe")
		}
		t1 := time.Now()
		inject(t, link, peer4, group4, response(srvRR(inst, "other.local.", 1, 120)))
		mdnstest.Advance(9 * time.Second)
		ps := probes(sent(t, link, "h1", t1))
		if len(ps) != 3 || g.Instance() != "My Service" {
			t.Fatalf("late conflict: %d probes, instance %q; want 3 and the same name", len(ps), g.Instance())
		}
		if anns := withRR(responses(sent(t, link, "h1", t1)), inst, dns.TypeSRV); len(anns) != 4 {
			t.Fatalf("%d announcements after the re-probe, want 4", len(anns))
		}
		select {
		case <-g.Changed():
			t.Fatal("Changed fired although the name was kept")
		default:
		}
		// Conflict again, and this time the probe hears the other host.
		t2 := time.Now()
		inject(t, link, peer4, group4, response(srvRR(inst, "other.local.", 1, 120)))
		p := waitProbe(t, link, t2)
		inject(t, link, peer4, group4, response(srvRR(inst, "other.local.", 1, 120)))
		mdnstest.Advance(3 * time.Second)
		select {
		case <-g.Changed():
		default:
			t.Fatal("Changed did not fire after the rename")
		}
		if g.Instance() != "My Service (2)" || g.Err() != nil {
			t.Fatalf("instance %q err %v", g.Instance(), g.Err())
		}
		_ = p
	})
}

// RFC 6762 §8.1, §6: a probe for a name we own is answered at once by
// multicast; a defence may follow the last multicast by 250 ms.
func TestResponderDefendsAgainstProbe(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, g := published(t, svc("My Service"))
		t0 := time.Now()
		pq := probeFor(inst, srv(inst, 1, "other.local."))
		pq.Question[0].Qclass |= 0x8000 // QU probes are defended by multicast too
		inject(t, link, peer4, group4, pq)
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		if len(ws) != 1 || !ws[0].Time.Equal(t0) || ws[0].Dst != group4 || findRR(ws[0].m.Answer, inst, dns.TypeSRV) == nil {
			dump(t, ws)
			t.Fatal("want an immediate multicast defence with our SRV")
		}
		t1 := time.Now()
		inject(t, link, peer4, group4, query(q(inst, dns.TypeSRV)))
		mdnstest.Advance(100 * time.Millisecond)
		inject(t, link, peer4, group4, probeFor(inst, srv(inst, 1, "other.local.")))
		mdnstest.Advance(time.Second)
		ws = withRR(responses(sent(t, link, "h1", t1)), inst, dns.TypeSRV)
		if len(ws) != 2 || ws[1].Time.Sub(ws[0].Time) != 250*time.Millisecond {
			dump(t, ws)
			t.Fatal("want the defence 250ms after the previous multicast")
		}
		if g.Instance() != "My Service" || c.Stats().Conflicts != 0 {
			t.Error("defending changed our name")
		}
	})
}

// Our own packets, looped back or heard on a second interface on the same
// link, never conflict (brutella/hc#198).
func TestRegisterTwoInterfacesOneLinkNoSelfConflict(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		h1 := mdnstest.NewHost(mdnstest.HostConfig{Name: "h1"})
		defer h1.Close()
		h1.AddInterface(link, mdnstest.InterfaceConfig{Name: "eth0", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")}})
		h1.AddInterface(link, mdnstest.InterfaceConfig{Name: "eth1", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/16")}})
		c := listen(t, h1)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		g, err := c.Register(ctx, svc("My Service"))
		if err != nil {
			t.Fatalf("Register: %v (conflicts: %d)", err, c.Stats().Conflicts)
		}
		mdnstest.Advance(5 * time.Second)
		if g.Instance() != "My Service" || c.HostName() != "h1" || c.Stats().Conflicts != 0 {
			t.Fatalf("instance %q host %q conflicts %d", g.Instance(), c.HostName(), c.Stats().Conflicts)
		}
	})
}

// Reverse PTRs are yielded, never defended: another responder on this
// host (avahi-daemon) publishing the reverse name of our address for its
// own host name must not see a conflict from us.
func TestResponderYieldsReverseNames(t *testing.T) {
	reverse := "1.0.0.10.in-addr.arpa."
	theirs := &dns.PTR{Hdr: hdr(reverse, dns.TypePTR, 120, true), Ptr: "avahi-host.local."}
	self := netip.MustParseAddrPort("10.0.0.1:5353") // the other responder shares our address
	t.Run("held before we start", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			link := newLink(t)
			_, c := addHost(t, link, "h1")
			start := time.Now()
			res := registerAsync(c, svc("My Service"))
			p := waitProbe(t, link, start)
			if findRR(p.m.Ns, reverse, dns.TypePTR) == nil {
				t.Fatal("the probe does not carry the reverse PTR")
			}
			m := new(dns.Msg)
			m.Response = true
			m.Answer = []dns.RR{theirs}
			inject(t, link, self, group4, m) // the other responder defends it
			r := <-res
			mdnstest.Advance(3 * time.Second)
			if r.err != nil || c.HostName() != "h1" || c.Stats().Conflicts != 0 {
				t.Fatalf("err %v host %q conflicts %d", r.err, c.HostName(), c.Stats().Conflicts)
			}
			for _, w := range responses(sent(t, link, "h1", start)) {
				if findRR(w.m.Answer, reverse, dns.TypePTR) != nil {
					t.Fatal("announced a reverse PTR another responder holds")
				}
			}
		})
	})
	t.Run("claimed after us", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			link, c, _ := published(t, svc("My Service"))
			t0 := time.Now()
			inject(t, link, self, group4, probeFor(reverse, theirs))
			mdnstest.Advance(2 * time.Second)
			inject(t, link, peer4, group4, query(q(reverse, dns.TypePTR)))
			mdnstest.Advance(2 * time.Second)
			if ws := responses(sent(t, link, "h1", t0)); len(ws) != 0 {
				dump(t, ws)
				t.Fatal("defended or answered a reverse name another responder probes for")
			}
			if c.Stats().Conflicts != 0 {
				t.Error("counted a conflict")
			}
		})
	})
}

// The host name is renamed "h1-2" when another host answers for it — also
// when its answer holds only some of our addresses: RFC 6762 §9 compares
// record sets, and a co-resident avahi-daemon publishing fewer of this
// machine's addresses under the same host name holds the name (we rename
// rather than make Avahi rename itself). A response with exactly our set
// is no conflict.
func TestRegisterHostConflict(t *testing.T) {
	for _, tc := range []struct {
		name     string
		a        string
		aaaa     []string
		wantHost string
	}{
		{"other address", "10.0.0.200", nil, "h1-2"},
		{"subset of ours", "10.0.0.1", []string{"fd00::1"}, "h1-2"},
		{"identical", "10.0.0.1", []string{"fd00::1", "fe80::1"}, "h1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := newLink(t)
				h1, c := addHost(t, link, "h1")
				start := time.Now()
				res := registerAsync(c, svc("My Service"))
				waitProbe(t, link, start)
				m := new(dns.Msg)
				m.Response = true
				m.Answer = []dns.RR{aRR("h1.local.", tc.a, 120, true)}
				for _, a := range tc.aaaa {
					m.Answer = append(m.Answer, aaaaRR("h1.local.", a, 120))
				}
				inject(t, link, peer4, group4, m)
				r := <-res
				if r.err != nil {
					t.Fatal(r.err)
				}
				if got := c.HostName(); got != tc.wantHost || r.g.Instance() != "My Service" {
					t.Fatalf("host %q instance %q, want %q and the same instance (our addresses: %v)", got, r.g.Instance(), tc.wantHost, h1.Addrs("eth0"))
				}
				anns := withRR(responses(sent(t, link, "h1", start)), inst, dns.TypeSRV)
				if len(anns) == 0 || findRR(anns[0].m.Answer, inst, dns.TypeSRV).(*dns.SRV).Target != tc.wantHost+".local." {
					t.Fatalf("announced SRV does not point at %s.local.", tc.wantHost)
				}
			})
		})
	}
}
