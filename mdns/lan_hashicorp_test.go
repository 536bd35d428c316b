package mdns_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// Interop with hashicorp/mdns (docs/architecture.md: the most widely deployed Go mDNS
// library), run as a separate program on the hosts (internal/hashipeer).
//
// Its client asks once, from an ephemeral port: a legacy unicast query
// (RFC 6762 §6.7), which we must answer by unicast with the SRV, TXT and
// addresses as additional records (RFC 6763 §12), since it asks nothing
// else it could use. Its server never announces and answers every question
// by unicast to the asker, so our browser finds it only by querying
// (RFC 6762 §5.2) and must accept unicast responses to port 5353.
func TestLANHashicorp(t *testing.T) {
	t.Parallel()
	opts := testlan.Options{Hosts: 2, Self: true, Binaries: []string{"./internal/hashipeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		self, h1, h2 := lan.Self(), lan.Host(1), lan.Host(2)
		c := lanListen(t, "gohost")
		text := []string{"k=v", "empty=", "flag"}
		lanRegister(t, c, mdns.Service{Instance: "Go Svc", Type: "_hashi._tcp", Port: 7777, Text: textBytes(text)})

		t.Run("their client finds our service", func(t *testing.T) {
			out, err := h1.Run(t, 15*time.Second, lan.Bin("hashipeer"), "lookup", "-service", "_hashi._tcp", "-iface", h1.Iface, "-timeout", "2s")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			var found bool
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var e struct {
					Event, Name, Host string
					Port              int
					AddrV4            string `json:"addr_v4"`
					AddrV6            string `json:"addr_v6"`
					TXT               []string
				}
				if err := json.Unmarshal([]byte(line), &e); err != nil {
					t.Fatalf("hashipeer line %q: %v", line, err)
				}
				if e.Event != "entry" {
					continue
				}
				if e.Name != `Go\ Svc._hashi._tcp.local.` {
					t.Errorf("unexpected entry %+v", e)
					continue
				}
				found = true
				// hashicorp keeps one address per family, the last one it
				// read, and zones a link-local one with the zone of the
				// packet's source: none when the answer came over IPv4.
				v6 := []string{self.IPv6.String(), self.LinkLocal.String() + "%" + h1.Iface, self.LinkLocal.String()}
				if e.Host != "gohost.local." || e.Port != 7777 || e.AddrV4 != self.IPv4.String() ||
					!slices.Contains(v6, e.AddrV6) || !slices.Equal(e.TXT, text) {
					t.Errorf("hashicorp resolved %+v, want host gohost.local. port 7777 %v and one of %v, TXT %q", e, self.IPv4, v6, text)
				}
			}
			if !found {
				t.Errorf("hashicorp's lookup did not find Go Svc:\n%s", out)
			}
		})

		t.Run("our browser finds their service", func(t *testing.T) {
			srv := h2.Start(t, lan.Bin("hashipeer"), "serve", "-instance", "Hashi Svc", "-service", "_hashi._tcp", "-port", "8888",
				"-host", "h2.local.", "-ip", h2.IPv4.String(), "-ip", h2.IPv6.String(), "-txt", "a=1", "-txt", "flag", "-iface", h2.Iface)
			if !srv.WaitOutput(10*time.Second, `"serving"`) {
				t.Fatalf("hashipeer serve:\n%s", srv.Output())
			}
			start := time.Now()
			l := browseLog(t, c, mdns.BrowseQuery{Type: "_hashi._tcp"})
			e := l.waitEntry(t, 5*time.Second, "Hashi Svc", entryCheck("h2.local", 8888, []string{"a=1", "flag"}, h2.IPv4, h2.IPv6))
			t.Logf("resolved %v after the browse started", e.at.Sub(start))
		})
	})
}
