package mdns_test

import (
	"context"
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// The responder under load: repeated legacy queries, floods of queries
// and probes, and bursts too large for a receiver's socket buffer.

// A legacy resolver asking the same question again gets the same answer
// with its own query ID (RFC 6762 §6.7) — from packed replies kept until
// what we publish changes, and then the changed data.
func TestResponderLegacyRepeatsStayCurrent(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, g := published(t, svc("My Service"))
		legacy := netip.MustParseAddrPort("10.0.0.200:40000")
		ask := func(id uint16) *dns.Msg {
			t.Helper()
			t0 := time.Now()
			m := query(q(inst, dns.TypeTXT))
			m.Id = id
			inject(t, link, legacy, group4, m)
			mdnstest.Advance(10 * time.Millisecond)
			var ws []wire
			for _, w := range responses(sent(t, link, "h1", t0)) {
				if w.Dst == legacy {
					ws = append(ws, w)
				}
			}
			if len(ws) != 1 {
				t.Fatalf("query %d: %d responses to it", id, len(ws))
			}
			return ws[0].m
		}
		txt := func(m *dns.Msg) string {
			if rr := findRR(m.Answer, inst, dns.TypeTXT); rr != nil {
				return rr.(*dns.TXT).Txt[0]
			}
			return ""
		}
		first, second := ask(11), ask(12)
		if first.Id != 11 || second.Id != 12 || txt(first) != "a=1" || txt(second) != "a=1" || len(second.Question) != 1 {
			t.Fatalf("repeated question: ids %d, %d; TXT %q, %q", first.Id, second.Id, txt(first), txt(second))
		}
		if err := g.Update(context.Background(), [][]byte{[]byte("a=2")}, 8080); err != nil {
			t.Fatal(err)
		}
		if m := ask(13); m.Id != 13 || txt(m) != "a=2" {
			t.Errorf("after Update: id %d, TXT %q, want 13 and a=2", m.Id, txt(m))
		}
		if err := g.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		t0 := time.Now()
		inject(t, link, legacy, group4, query(q(inst, dns.TypeTXT)))
		mdnstest.Advance(time.Second)
		for _, w := range responses(sent(t, link, "h1", t0)) {
			if w.Dst == legacy {
				t.Errorf("after Deregister: %v", w)
			}
		}
	})
}

// A flood of queries and of probes for our names, with conflicting data
// proposed, from another host: we keep our names (no rename, no conflict
// counted), and answer and defend as before (RFC 6762 §8.1: a probe is a
// question; only a conflicting answer is a conflict, §9).
func TestResponderKeepsNamesUnderQueryAndProbeFlood(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c, g := published(t, svc("My Service"))
		evil := &dns.SRV{Hdr: hdr(inst, dns.TypeSRV, 120, false), Target: "evil.local.", Port: 1}
		evilA := aRR("h1.local.", "10.0.0.66", 120, false)
		for i := range 5000 {
			switch i % 3 {
			case 0:
				inject(t, link, peer4, group4, query(q(inst, dns.TypeANY)))
			case 1:
				p := query(q(inst, dns.TypeANY))
				p.Ns = []dns.RR{evil}
				inject(t, link, peer4, group4, p)
			case 2:
				p := query(q("h1.local.", dns.TypeANY))
				p.Ns = []dns.RR{evilA}
				inject(t, link, peer4, group4, p)
			}
			if i%10 == 9 {
				time.Sleep(time.Millisecond)
			}
		}
		mdnstest.Advance(5 * time.Second)
		select {
		case <-g.Changed():
			t.Errorf("the registration changed: %q, %v", g.Instance(), g.Err())
		default:
		}
		if g.Instance() != "My Service" || c.HostName() != "h1" || c.Stats().Conflicts != 0 {
			t.Errorf("after the flood: instance %q, host %q, %d conflicts", g.Instance(), c.HostName(), c.Stats().Conflicts)
		}
		// Still answering.
		t0 := time.Now()
		inject(t, link, peer4, group4, query(q(inst, dns.TypeSRV)))
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		if len(ws) == 0 || findRR(ws[0].m.Answer, inst, dns.TypeSRV) == nil {
			t.Errorf("no SRV answer after the flood: %v", ws)
		}
	})
}

// A burst of multicast larger than a receiver's socket buffer is spread:
// at most 32 datagrams at once on an interface and family, 32 more every
// 10 ms, in order; and Close sends goodbyes that were still queued.
func TestMulticastBurstIsPaced(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t, mdnstest.LinkConfig{LogSize: 1 << 14})
		_, c := addHost(t, link, "h1")
		var regs []*mdns.Registration
		for i := range 3000 {
			g, err := c.RegisterNoWait(mdns.Service{Instance: fmt.Sprintf("S%d", i), Type: "_x._tcp", Port: 80})
			if err != nil {
				t.Fatal(err)
			}
			regs = append(regs, g)
		}
		for _, g := range regs {
			if err := g.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		// Per family: each paces on its own.
		type window struct {
			v4 bool
			n  time.Duration
		}
		perWindow := map[window]int{}
		start := time.Now().Add(-time.Hour)
		for _, p := range link.Packets() {
			perWindow[window{p.Dst.Addr().Is4(), p.Time.Sub(start) / (10 * time.Millisecond)}]++
		}
		maxIn := 0
		for _, n := range perWindow {
			maxIn = max(maxIn, n)
		}
		if maxIn > 32 {
			t.Errorf("%d datagrams within one 10 ms window", maxIn)
		}
		n := len(link.Packets())
		t0 := time.Now()
		c.Close()
		bye := 0
		for _, p := range link.Packets()[n:] {
			var m dns.Msg
			if m.Unpack(p.Data) == nil && m.Response && len(m.Answer) > 0 && m.Answer[0].Header().Ttl == 0 {
				bye++
			}
		}
		t.Logf("3000 services: at most %d datagrams per 10 ms; Close sent %d goodbye datagrams in %v", maxIn, bye, time.Since(t0))
		if bye < 2*3000*4/100 {
			t.Errorf("only %d goodbye datagrams before Close returned", bye)
		}
	})
}
