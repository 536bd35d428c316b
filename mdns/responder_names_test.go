package mdns_test

import (
	"context"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/miekg/dns"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// firstLabel returns the raw bytes of a presentation name's first label as
// they go on the wire.
func firstLabel(t *testing.T, name string) string {
	t.Helper()
	buf := make([]byte, 256)
	if _, err := dns.PackDomainName(name, buf, 0, nil, false); err != nil {
		t.Fatalf("%q: %v", name, err)
	}
	return string(buf[1 : 1+buf[0]])
}

// wireName is how a peer writes raw labels: miekg's presentation form of
// the wire bytes.
func wireName(t *testing.T, labels ...string) string {
	t.Helper()
	var b []byte
	for _, l := range labels {
		b = append(append(b, byte(len(l))), l...)
	}
	name, _, err := dns.UnpackDomainName(append(b, 0), 0)
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// RFC 6763 §4.3: instance names are any UTF-8 up to 63 bytes; what goes on
// the wire is the raw text, and a peer's question for it is answered.
func TestRegisterInstanceNamesExact(t *testing.T) {
	names := []string{
		"My Service",
		"a.b.c",
		`back\slash`,
		`quote"(paren);@$`,
		"Café ☕ Ünïcode",
		strings.Repeat("é", 31) + "x", // 63 bytes
		"trailing.",
		"\\046",
	}
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		for _, n := range names {
			t0 := time.Now()
			g := register(t, c, svc(n))
			if g.Instance() != n {
				t.Fatalf("registered %q as %q", n, g.Instance())
			}
			anns := withRR(responses(sent(t, link, "h1", t0)), "", dns.TypeSRV)
			if len(anns) == 0 {
				t.Fatalf("%q: no announcement", n)
			}
			srv := findRR(anns[0].m.Answer, "", dns.TypeSRV)
			if got := firstLabel(t, srv.Header().Name); got != n {
				t.Errorf("wire label %q, want %q", got, n)
			}
			ptr := findRR(anns[0].m.Answer, typName, dns.TypePTR).(*dns.PTR)
			if got := firstLabel(t, ptr.Ptr); got != n {
				t.Errorf("PTR target label %q, want %q", got, n)
			}
			mdnstest.Advance(8 * time.Second) // past the announcements
			t1 := time.Now()
			inject(t, link, peer4, group4, query(q(wireName(t, n, "_http", "_tcp", "local"), dns.TypeTXT)))
			mdnstest.Advance(time.Second)
			if ws := withRR(responses(sent(t, link, "h1", t1)), "", dns.TypeTXT); len(ws) != 1 {
				t.Errorf("%q: a peer's TXT question got %d answers, want 1", n, len(ws))
			}
		}
	})
}

// A rename keeps within 63 bytes and cuts at a rune boundary.
func TestRegisterRenameLongName(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		long := strings.Repeat("é", 31) + "x"
		g1 := register(t, c, svc(long))
		g2 := register(t, c, svc(long))
		want := strings.Repeat("é", 29) + " (2)"
		if g1.Instance() != long || g2.Instance() != want {
			t.Fatalf("got %q, want %q", g2.Instance(), want)
		}
	})
}

// Domains other than local work the same way; OwnMessages keeps each such
// instance alone in its messages, without an OPT record.
func TestRegisterOtherDomainOwnMessages(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		for _, id := range []string{"node-1", "node-2"} {
			register(t, c, mdns.Service{Instance: id, Type: "greeter", Domain: "micro", Port: 9000, OwnMessages: true})
		}
		register(t, c, mdns.Service{Instance: "plain", Type: "greeter", Domain: "micro", Port: 9001})
		mdnstest.Advance(3 * time.Second)
		t0 := time.Now()
		inject(t, link, peer4, group4, query(q("greeter.micro.", dns.TypePTR)))
		inject(t, link, peer4, group4, query(q("_http._tcp.local.", dns.TypePTR)))
		mdnstest.Advance(time.Second)
		ws := responses(sent(t, link, "h1", t0))
		dump(t, ws)
		seen := map[string]bool{}
		for _, w := range ws {
			instances := map[string]bool{}
			for _, rr := range append(append([]dns.RR{}, w.m.Answer...), w.m.Extra...) {
				switch v := rr.(type) {
				case *dns.PTR:
					if v.Header().Name == "greeter.micro." {
						instances[v.Ptr] = true
					}
				case *dns.SRV, *dns.TXT:
					instances[rr.Header().Name] = true
				case *dns.OPT:
					t.Error("OPT record in a response")
				}
			}
			if (instances["node-1.greeter.micro."] || instances["node-2.greeter.micro."]) && len(instances) != 1 {
				t.Errorf("an OwnMessages instance shares a message: %v", instances)
			}
			for k := range instances {
				seen[k] = true
			}
			// go-micro's parser needs the address in each instance's own
			// message; a plain instance's answer leaves out an address
			// multicast within the last second (RFC 6762 §6).
			own := instances["node-1.greeter.micro."] || instances["node-2.greeter.micro."]
			if own && findRR(w.m.Answer, "", dns.TypeSRV) != nil && findRR(w.m.Extra, "h1.local.", dns.TypeA) == nil {
				t.Errorf("an OwnMessages message without the host address")
			}
		}
		if len(seen) != 3 {
			t.Errorf("answered instances %v, want 3", seen)
		}
		for _, w := range ws {
			if findRR(w.m.Answer, "_http._tcp.local.", dns.TypePTR) != nil {
				t.Error("answered a question for a domain we do not publish in")
			}
		}
	})
}

// go-micro reads a goodbye only when its message holds an address and the
// record that completes the instance, the last TXT, has TTL 0
// (docs/gomicro-wire.md, "How go-micro reads a message"). An OwnMessages goodbye carries
// the host's live addresses before the TTL-0 TXT, and comes before the
// goodbye for the host's own records.
func TestRegisterOwnMessagesGoodbyeReadableByGoMicro(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c := addHost(t, link, "h1")
		reg := register(t, c, mdns.Service{Instance: "node-1", Type: "greeter", Domain: "micro", Port: 9000, OwnMessages: true, Text: [][]byte{[]byte("789c")}})
		mdnstest.Advance(8 * time.Second) // past the announcements
		t0 := time.Now()
		if err := reg.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		ws := responses(sent(t, link, "h1", t0))
		dump(t, ws)
		var own, hostBye []int
		for i, w := range ws {
			if findRR(w.m.Answer, "node-1.greeter.micro.", dns.TypeSRV) != nil {
				own = append(own, i)
				ans := w.m.Answer
				last := ans[len(ans)-1]
				if last.Header().Rrtype != dns.TypeTXT || last.Header().Ttl != 0 {
					t.Errorf("message %d: last answer %v, want the TTL-0 TXT", i, last)
				}
				a := findRR(ans, "h1.local.", dns.TypeA)
				if a == nil || a.Header().Ttl == 0 {
					t.Errorf("message %d: no live A record before the TXT", i)
				}
				for _, rr := range ans {
					if rr.Header().Rrtype != dns.TypeA && rr.Header().Rrtype != dns.TypeAAAA && rr.Header().Ttl != 0 {
						t.Errorf("message %d: %v is not a goodbye", i, rr)
					}
				}
			} else if a := findRR(w.m.Answer, "h1.local.", dns.TypeA); a != nil && a.Header().Ttl == 0 {
				hostBye = append(hostBye, i)
			}
		}
		if len(own) != 2 || len(hostBye) != 2 {
			t.Fatalf("%d service goodbyes and %d host goodbyes, want 2 each", len(own), len(hostBye))
		}
		if own[0] > hostBye[0] || own[1] > hostBye[1] {
			t.Errorf("the host's address goodbye came before the service goodbye (%v, %v)", own, hostBye)
		}
	})
}
