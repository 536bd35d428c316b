package mdns_test

import (
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// RFC 6762 §6: an answer of unique records goes at once, one with a
// shared record after 20–120 ms; both are QR, AA, ID 0, no question.
func TestResponderUniqueAtOnceSharedDelayed(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		t0 := time.Now()
		inject(t, link, peer4, group4, query(q(inst, dns.TypeSRV)))
		mdnstest.Advance(200 * time.Millisecond)
		t1 := time.Now()
		inject(t, link, peer4, group4, query(q(typName, dns.TypePTR)))
		mdnstest.Advance(200 * time.Millisecond)
		ws := responses(sent(t, link, "h1", t0))
		dump(t, ws)
		if len(ws) != 2 {
			t.Fatalf("got %d responses, want 2", len(ws))
		}
		if !ws[0].Time.Equal(t0) || findRR(ws[0].m.Answer, inst, dns.TypeSRV) == nil {
			t.Errorf("SRV answer at +%v, want at once", ws[0].Time.Sub(t0))
		}
		if d := ws[1].Time.Sub(t1); !between(d, 20*time.Millisecond, 120*time.Millisecond) || findRR(ws[1].m.Answer, typName, dns.TypePTR) == nil {
			t.Errorf("PTR answer at +%v, want 20–120ms", d)
		}
		for _, w := range ws {
			if !w.m.Authoritative || w.m.Id != 0 || len(w.m.Question) != 0 || w.Dst != group4 {
				t.Errorf("response header: AA=%v id=%d questions=%d dst=%v", w.m.Authoritative, w.m.Id, len(w.m.Question), w.Dst)
			}
		}
		// RFC 6763 §12.1: a PTR answer brings SRV, TXT and addresses —
		// but not those multicast here within the last second (RFC 6762
		// §6): the SRV and its addresses went with the SRV answer.
		if findRR(ws[1].m.Extra, "", dns.TypeTXT) == nil {
			t.Error("PTR answer lacks an additional TXT")
		}
		for _, typ := range []uint16{dns.TypeSRV, dns.TypeA, dns.TypeAAAA} {
			if findRR(ws[1].m.Extra, "", typ) != nil {
				t.Errorf("PTR answer repeats the %s multicast 200 ms before", dns.TypeToString[typ])
			}
		}
		// A second later, the whole instance again.
		mdnstest.Advance(time.Second)
		t2 := time.Now()
		inject(t, link, peer4, group4, query(q(typName, dns.TypePTR)))
		mdnstest.Advance(200 * time.Millisecond)
		ws2 := responses(sent(t, link, "h1", t2))
		if len(ws2) != 1 {
			t.Fatalf("a second later: %d responses, want 1", len(ws2))
		}
		for _, typ := range []uint16{dns.TypeSRV, dns.TypeTXT, dns.TypeA, dns.TypeAAAA} {
			if findRR(ws2[0].m.Extra, "", typ) == nil {
				t.Errorf("a second later, the PTR answer lacks an additional %s", dns.TypeToString[typ])
			}
		}
		// RFC 6762 §10.2: cache-flush on unique records only.
		if !flush(findRR(ws[0].m.Answer, inst, dns.TypeSRV)) || flush(findRR(ws[1].m.Answer, typName, dns.TypePTR)) {
			t.Error("cache-flush bit wrong: want it on SRV, not on the shared PTR")
		}
	})
}

// RFC 6762 §6: a record is multicast at most once a second on an
// interface. Additional records count: an SRV that went out as an
// additional record 200 ms ago is not multicast again before its second
// is over; the asker gets it by unicast. (Additional records themselves
// always go with their answer, so that a querier that just started gets
// the whole instance at once.)
func TestResponderAdditionalsCountAsMulticast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		mdnstest.Advance(2 * time.Second)
		t0 := time.Now()
		inject(t, link, peer4, group4, query(q(typName, dns.TypePTR)))
		mdnstest.Advance(200 * time.Millisecond)
		inject(t, link, peer4, group4, query(q(inst, dns.TypeSRV)))
		mdnstest.Advance(2 * time.Second)
		ws := responses(sent(t, link, "h1", t0))
		if len(ws) != 2 || findRR(ws[0].m.Extra, inst, dns.TypeSRV) == nil || findRR(ws[1].m.Answer, inst, dns.TypeSRV) == nil {
			dump(t, ws)
			t.Fatal("want the PTR answer with the SRV as additional record, then the SRV answer")
		}
		if ws[1].Dst != peer4 {
			t.Errorf("the SRV was multicast again %v after it went out as an additional record, want a unicast answer", ws[1].Time.Sub(ws[0].Time))
		}
	})
}

// RFC 6762 §6: shared answers due close together go in one message.
func TestResponderAggregatesAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		t0 := time.Now()
		inject(t, link, peer4, group4, query(q(typName, dns.TypePTR)))
		mdnstest.Advance(10 * time.Millisecond)
		inject(t, link, peer4, group4, query(q("_services._dns-sd._udp.local.", dns.TypePTR)))
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		dump(t, ws)
		if len(ws) != 1 {
			t.Fatalf("got %d responses, want one aggregated", len(ws))
		}
		if findRR(ws[0].m.Answer, typName, dns.TypePTR) == nil || findRR(ws[0].m.Answer, "_services._dns-sd._udp.local.", dns.TypePTR) == nil {
			t.Errorf("aggregated response lacks an answer")
		}
		if d := ws[0].Time.Sub(t0); d > 500*time.Millisecond {
			t.Errorf("aggregated answer after %v", d)
		}
	})
}

// RFC 6762 §7.1: a known answer with at least half our TTL suppresses
// ours; one with less does not.
func TestResponderKnownAnswerSuppression(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		ka := func(ttl uint32) *dns.Msg {
			m := query(q(typName, dns.TypePTR))
			m.Answer = []dns.RR{ptrRR(typName, inst, ttl)}
			return m
		}
		t0 := time.Now()
		inject(t, link, peer4, group4, ka(2250)) // exactly half of 75 min
		mdnstest.Advance(2 * time.Second)
		if ws := responses(sent(t, link, "h1", t0)); len(ws) != 0 {
			dump(t, ws)
			t.Fatalf("answered despite a known answer with half the TTL")
		}
		t1 := time.Now()
		inject(t, link, peer4, group4, ka(2249))
		mdnstest.Advance(2 * time.Second)
		if ws := withRR(responses(sent(t, link, "h1", t1)), typName, dns.TypePTR); len(ws) != 1 {
			t.Fatalf("got %d answers with a known answer below half the TTL, want 1", len(ws))
		}
	})
}

// RFC 6762 §7.2: a truncated query waits 400–500 ms for the rest of its
// known answers, which are merged.
func TestResponderTruncatedKnownAnswers(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		first := query(q(typName, dns.TypePTR))
		first.Truncated = true
		t0 := time.Now()
		inject(t, link, peer4, group4, first)
		mdnstest.Advance(450 * time.Millisecond / 2)
		rest := new(dns.Msg) // a continuation: known answers only
		rest.Answer = []dns.RR{ptrRR(typName, inst, 4500)}
		inject(t, link, peer4, group4, rest)
		mdnstest.Advance(2 * time.Second)
		if ws := responses(sent(t, link, "h1", t0)); len(ws) != 0 {
			dump(t, ws)
			t.Fatal("answered although the second packet of the known-answer list had the answer")
		}

		t1 := time.Now()
		inject(t, link, peer4, group4, first) // no continuation this time
		mdnstest.Advance(2 * time.Second)
		ws := responses(sent(t, link, "h1", t1))
		if len(ws) != 1 {
			t.Fatalf("got %d responses, want 1", len(ws))
		}
		if d := ws[0].Time.Sub(t1); !between(d, 400*time.Millisecond, 500*time.Millisecond) {
			t.Errorf("answer to a truncated query after %v, want 400–500ms", d)
		}
	})
}

// RFC 6762 §7.4: another host multicasting our answer first, with a TTL
// not less than ours, cancels ours.
func TestResponderDuplicateAnswerSuppression(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		other := func(ttl uint32) *dns.Msg {
			m := new(dns.Msg)
			m.Response, m.Authoritative = true, true
			m.Answer = []dns.RR{ptrRR(typName, inst, ttl)}
			return m
		}
		t0 := time.Now()
		inject(t, link, peer4, group4, query(q(typName, dns.TypePTR)))
		mdnstest.Advance(time.Millisecond)
		inject(t, link, peer4, group4, other(4500))
		mdnstest.Advance(2 * time.Second)
		if ws := responses(sent(t, link, "h1", t0)); len(ws) != 0 {
			dump(t, ws)
			t.Fatal("answered after another host sent the same answer")
		}
		t1 := time.Now()
		inject(t, link, peer4, group4, query(q(typName, dns.TypePTR)))
		mdnstest.Advance(time.Millisecond)
		inject(t, link, peer4, group4, other(100)) // a lower TTL does not count
		mdnstest.Advance(2 * time.Second)
		if ws := responses(sent(t, link, "h1", t1)); len(ws) != 1 {
			t.Fatalf("got %d answers, want 1 despite a duplicate with a lower TTL", len(ws))
		}
	})
}

// RFC 6762 §6: a record is multicast at most once a second per interface;
// a question for it within that second gets a unicast answer at once — one
// per asker and second — and the rest wait for the second to be over.
func TestResponderRecordRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		t0 := time.Now()
		for i := 0; i < 5; i++ {
			inject(t, link, peer4, group4, query(q(inst, dns.TypeSRV)))
			mdnstest.Advance(200 * time.Millisecond)
		}
		mdnstest.Advance(2 * time.Second)
		ws := withRR(responses(sent(t, link, "h1", t0)), inst, dns.TypeSRV)
		dump(t, ws)
		if len(ws) != 3 {
			t.Fatalf("got %d SRV answers to 5 questions in 1s, want 3", len(ws))
		}
		at := func(i int) time.Duration { return ws[i].Time.Sub(t0) }
		if at(0) != 0 || ws[0].Dst != group4 || at(1) != 200*time.Millisecond || ws[1].Dst != peer4 || at(2) != time.Second || ws[2].Dst != group4 {
			t.Errorf("answers at +%v to %v, +%v to %v, +%v to %v; want multicast at once, unicast at +200ms, multicast at +1s",
				at(0), ws[0].Dst, at(1), ws[1].Dst, at(2), ws[2].Dst)
		}
	})
}

// RFC 6762 §5.4: a QU question is answered by unicast when the record
// was multicast within a quarter of its TTL, else by multicast.
func TestResponderQU(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		t0 := time.Now()
		inject(t, link, peer4, group4, query(qu(inst, dns.TypeSRV)))
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		if len(ws) != 1 || ws[0].Dst != peer4 {
			dump(t, ws)
			t.Fatalf("want one unicast answer to %v", peer4)
		}
		if findRR(ws[0].m.Extra, "h1.local.", dns.TypeA) == nil {
			t.Error("unicast SRV answer lacks the additional A record")
		}
		// The SRV (TTL 120 s) was last multicast ~4 s ago; after 30 s it
		// must be multicast again.
		mdnstest.Advance(30 * time.Second)
		t1 := time.Now()
		inject(t, link, peer4, group4, query(qu(inst, dns.TypeSRV)))
		mdnstest.Advance(time.Second)
		ws = responses(sent(t, link, "h1", t1))
		if len(ws) != 1 || ws[0].Dst != group4 {
			dump(t, ws)
			t.Fatalf("want one multicast answer once a quarter of the TTL passed")
		}
	})
}

// RFC 6762 §6.7: legacy unicast gets the ID and question back, TTLs of
// at most 10 s and no cache-flush bit, within 512 bytes (TC when cut) or
// the EDNS0 size.
func TestResponderLegacyUnicast(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := svc("My Service")
		big := make([]byte, 200)
		for i := range big {
			big[i] = 'x'
		}
		s.Text = [][]byte{big, big, big}
		link, _, _ := published(t, s)
		legacy := netip.MustParseAddrPort("10.0.0.200:40000")
		t0 := time.Now()
		m := query(q(inst, dns.TypeSRV))
		m.Id = 4321
		inject(t, link, legacy, group4, m)
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		if len(ws) != 1 {
			t.Fatalf("got %d responses, want 1", len(ws))
		}
		w := ws[0]
		if w.Dst != legacy || w.m.Id != 4321 || len(w.m.Question) != 1 || w.m.Question[0].Name != inst || !w.Time.Equal(t0) {
			t.Fatalf("legacy answer: dst %v id %d question %v at +%v", w.Dst, w.m.Id, w.m.Question, w.Time.Sub(t0))
		}
		for _, rr := range append(w.m.Answer, w.m.Extra...) {
			if rr.Header().Ttl > 10 || flush(rr) {
				t.Errorf("legacy record %v: want TTL ≤ 10 and no cache-flush bit", rr)
			}
		}

		t1 := time.Now()
		m = query(q(inst, dns.TypeANY))
		m.Id = 7
		inject(t, link, legacy, group4, m)
		mdnstest.Advance(time.Second)
		ws = responses(sent(t, link, "h1", t1))
		if len(ws) != 1 || len(ws[0].Data) > 512 || !ws[0].m.Truncated {
			t.Fatalf("want one truncated answer of ≤512 bytes, got %d (%d bytes)", len(ws), len(ws[0].Data))
		}
		m.SetEdns0(4096, false)
		t2 := time.Now()
		inject(t, link, legacy, group4, m)
		mdnstest.Advance(time.Second)
		ws = responses(sent(t, link, "h1", t2))
		if len(ws) != 1 || ws[0].m.Truncated || findRR(ws[0].m.Answer, inst, dns.TypeTXT) == nil {
			t.Fatalf("with EDNS0 4096: want the whole answer")
		}
	})
}

// RFC 6762 §5.5: a query sent straight to our address from port 5353 is
// answered by unicast.
func TestResponderDirectUnicastQuery(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, _, _ := published(t, svc("My Service"))
		t0 := time.Now()
		m := query(q(typName, dns.TypePTR))
		m.Id = 99
		inject(t, link, peer4, netip.MustParseAddrPort("10.0.0.1:5353"), m)
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		if len(ws) != 1 || ws[0].Dst != peer4 || ws[0].m.Id != 99 {
			dump(t, ws)
			t.Fatalf("want one unicast answer to %v with ID 99", peer4)
		}
	})
}

// RFC 6762 §6.1: NSEC for the types we do not have; reverse PTR; RFC 6763
// §9 enumeration; §7.1 subtypes.
func TestResponderNSECReverseEnumerationSubtypes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		h1 := mdnstest.NewHost(mdnstest.HostConfig{Name: "h1"})
		defer h1.Close()
		if _, err := h1.AddInterface(link, mdnstest.InterfaceConfig{Name: "eth0",
			Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")}}); err != nil {
			t.Fatal(err)
		}
		c := listen(t, h1)
		s := svc("My Service")
		s.Subtypes = []string{"_printer"}
		register(t, c, s)
		mdnstest.Advance(8 * time.Second) // past the announcements

		ask := func(name string, typ uint16) *dns.Msg {
			t.Helper()
			t0 := time.Now()
			inject(t, link, peer4, group4, query(q(name, typ)))
			mdnstest.Advance(time.Second)
			ws := responses(sent(t, link, "h1", t0))
			if len(ws) != 1 {
				t.Fatalf("%s %s: got %d responses, want 1", name, dns.TypeToString[typ], len(ws))
			}
			return ws[0].m
		}
		m := ask("h1.local.", dns.TypeAAAA)
		nsec, ok := findRR(m.Answer, "h1.local.", dns.TypeNSEC).(*dns.NSEC)
		if !ok || len(nsec.TypeBitMap) != 1 || nsec.TypeBitMap[0] != dns.TypeA || !flush(nsec) || nsec.NextDomain != "h1.local." {
			t.Fatalf("AAAA question on an IPv4-only host: want NSEC h1.local. A, got %v", m.Answer)
		}
		m = ask("h1.local.", dns.TypeA)
		if findRR(m.Answer, "h1.local.", dns.TypeA) == nil || findRR(m.Extra, "h1.local.", dns.TypeNSEC) == nil {
			t.Errorf("A answer: want the A and an additional NSEC, got %v / %v", m.Answer, m.Extra)
		}
		m = ask(inst, dns.TypeA)
		if nsec, ok := findRR(m.Answer, inst, dns.TypeNSEC).(*dns.NSEC); !ok || len(nsec.TypeBitMap) != 2 {
			t.Errorf("A question for the instance: want NSEC TXT SRV, got %v", m.Answer)
		}
		m = ask("1.0.0.10.in-addr.arpa.", dns.TypePTR)
		if p, ok := findRR(m.Answer, "1.0.0.10.in-addr.arpa.", dns.TypePTR).(*dns.PTR); !ok || p.Ptr != "h1.local." || !flush(p) {
			t.Errorf("reverse PTR: got %v", m.Answer)
		}
		m = ask("_services._dns-sd._udp.local.", dns.TypePTR)
		if p, ok := findRR(m.Answer, "", dns.TypePTR).(*dns.PTR); !ok || p.Ptr != typName || flush(p) {
			t.Errorf("service enumeration: got %v", m.Answer)
		}
		m = ask("_printer._sub._http._tcp.local.", dns.TypePTR)
		if p, ok := findRR(m.Answer, "", dns.TypePTR).(*dns.PTR); !ok || p.Ptr != inst {
			t.Errorf("subtype: got %v", m.Answer)
		}
	})
}

// RFC 6762 §6.2, §15: answers on an interface carry only its addresses.
func TestResponderOnlyThatInterfacesAddresses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := newLink(t, mdnstest.LinkConfig{Name: "a"})
		b := newLink(t, mdnstest.LinkConfig{Name: "b"})
		h1 := mdnstest.NewHost(mdnstest.HostConfig{Name: "h1"})
		defer h1.Close()
		h1.AddInterface(a, mdnstest.InterfaceConfig{Name: "eth0", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")}})
		h1.AddInterface(b, mdnstest.InterfaceConfig{Name: "eth1", Prefixes: []netip.Prefix{netip.MustParsePrefix("192.168.1.1/24")}})
		c := listen(t, h1)
		register(t, c, svc("My Service"))
		mdnstest.Advance(8 * time.Second) // past the announcements
		for _, tc := range []struct {
			link *mdnstest.Link
			src  string
			want string
		}{{a, "10.0.0.200:5353", "10.0.0.1"}, {b, "192.168.1.200:5353", "192.168.1.1"}} {
			t0 := time.Now()
			inject(t, tc.link, netip.MustParseAddrPort(tc.src), group4, query(q("h1.local.", dns.TypeA)))
			mdnstest.Advance(time.Second)
			ws := responses(sent(t, tc.link, "h1", t0))
			if len(ws) != 1 || len(ws[0].m.Answer) != 1 || ws[0].m.Answer[0].(*dns.A).A.String() != tc.want {
				dump(t, ws)
				t.Errorf("from %s: want only A %s", tc.src, tc.want)
			}
		}
	})
}

// RFC 6762 §17: messages fit the interface MTU.
func TestResponderSplitsToMTU(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		h1 := mdnstest.NewHost(mdnstest.HostConfig{Name: "h1"})
		defer h1.Close()
		h1.AddInterface(link, mdnstest.InterfaceConfig{Name: "eth0", MTU: 600,
			Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")}})
		c := listen(t, h1)
		s := svc("My Service")
		s.Text = [][]byte{make([]byte, 250)}
		for i := 0; i < 20; i++ {
			s.Subtypes = append(s.Subtypes, "_subtype-number-"+string(rune('a'+i)))
		}
		t0 := time.Now()
		register(t, c, s)
		mdnstest.Advance(time.Second)
		var ws []wire
		for _, w := range responses(sent(t, link, "h1", t0)) {
			if w.Time.Equal(time.Now().Add(-time.Second)) { // the first announcement
				ws = append(ws, w)
			}
		}
		var ptrs, txts int
		for _, w := range ws {
			if w.OverMTU || len(w.Data) > 600-28 {
				t.Errorf("response of %d bytes on a 600-byte MTU", len(w.Data))
			}
			for _, rr := range w.m.Answer {
				switch rr.Header().Rrtype {
				case dns.TypePTR:
					ptrs++
				case dns.TypeTXT:
					txts++
				}
			}
		}
		if len(ws) < 2 || txts != 1 {
			t.Errorf("announcement in %d messages with %d TXT, want it split with one TXT", len(ws), txts)
		}
		if want := 20 + 1 + 1 + 1; ptrs != want { // subtypes, service, enumeration, reverse
			t.Errorf("got %d PTR answers in the first announcement, want %d", ptrs, want)
		}
	})
}

// An OwnMessages service answers a legacy query whole, up to the
// interface's MTU: hashicorp/mdns-derived clients (go-micro) ask without
// EDNS0 but need the TXT, SRV and address in the one reply they read.
func TestResponderLegacyOwnMessagesWhole(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := svc("node-1")
		s.OwnMessages = true
		big := make([]byte, 250)
		for i := range big {
			big[i] = 'a' + byte(i%6)
		}
		s.Text = [][]byte{big, big} // go-micro's hex payload is this long
		link, _, _ := published(t, s)
		legacy := netip.MustParseAddrPort("10.0.0.200:40000")
		t0 := time.Now()
		m := query(q(typName, dns.TypePTR)) // go-micro's GetService question
		m.Id = 99
		inject(t, link, legacy, group4, m)
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		if len(ws) != 1 {
			t.Fatalf("got %d responses, want 1", len(ws))
		}
		w := ws[0]
		if len(w.Data) <= 512 || w.m.Truncated || w.m.Id != 99 {
			t.Errorf("%d bytes, TC %v, id %d: want one whole answer over 512 bytes", len(w.Data), w.m.Truncated, w.m.Id)
		}
		all := append(append([]dns.RR{}, w.m.Answer...), w.m.Extra...)
		for _, typ := range []uint16{dns.TypePTR, dns.TypeSRV, dns.TypeTXT, dns.TypeA} {
			if findRR(all, "", typ) == nil {
				t.Errorf("reply lacks the %s record", dns.TypeToString[typ])
			}
		}
	})
}
