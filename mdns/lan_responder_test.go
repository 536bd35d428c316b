package mdns_test

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/miekg/dns"
)

// Issue 4: two of our responders publishing one name on two hosts at
// the same time end with distinct names, "Twin" and "Twin (2)" (RFC 6762
// §8.2 tiebreak, §9 rename; RFC 6763 §4.1.1 "(2)"), and both are
// resolvable: by our in-process browser and by Avahi on a third host.
func TestLANSameNameTwoHosts(t *testing.T) {
	t.Parallel()
	opts := testlan.Options{Hosts: 2, Self: true, Binaries: []string{"./cmd/mdns-announce"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		self, h1, h2 := lan.Self(), lan.Host(1), lan.Host(2)
		h2.StartAvahi(t)
		c := lanListen(t, "gohost")
		ann := h1.Start(t, lan.Bin("mdns-announce"), "--instance", "Twin", "--service", "_twin._tcp", "--port", "8001",
			"--txt", "who=h1", "--json", "--interface", h1.Iface)
		reg := lanRegister(t, c, mdns.Service{Instance: "Twin", Type: "_twin._tcp", Port: 8002, Text: textBytes([]string{"who=self"})})
		if !ann.WaitOutput(15*time.Second, `"event":"registered"`) {
			t.Fatalf("mdns-announce did not register:\n%s", ann.Output())
		}
		var annName string
		for _, line := range strings.Split(ann.Output(), "\n") {
			var ev struct{ Event, Instance string }
			if json.Unmarshal([]byte(line), &ev) == nil && ev.Event == "registered" {
				annName = ev.Instance
			}
		}
		// A late conflict (§9) would rename one of them after its
		// registration: wait for the pair to settle, not for a moment.
		var names []string
		if !poll(5*time.Second, func() bool {
			names = []string{reg.Instance(), annName}
			slices.Sort(names)
			return slices.Equal(names, []string{"Twin", "Twin (2)"})
		}) {
			t.Fatalf("names in-process %q, mdns-announce on h1 %q; want Twin and Twin (2)\n%s", reg.Instance(), annName, ann.Output())
		}
		t.Logf("in-process: %q, h1: %q", reg.Instance(), annName)

		l := browseLog(t, c, mdns.BrowseQuery{Type: "_twin._tcp"})
		l.waitEntry(t, 5*time.Second, reg.Instance(),
			entryCheck("gohost.local", 8002, []string{"who=self"}, self.IPv4, self.IPv6, ll(self)))
		l.waitEntry(t, 5*time.Second, annName,
			entryCheck("h1.local", 8001, []string{"who=h1"}, h1.IPv4, h1.IPv6, ll(h1)))

		out, err := h2.Run(t, 20*time.Second, "avahi-browse", "-rptk", "_twin._tcp")
		if err != nil {
			t.Fatal(err)
		}
		lines := testlan.ParseAvahiBrowse(out)
		for name, want := range map[string]struct {
			host string
			port int
			txt  string
		}{reg.Instance(): {"gohost.local", 8002, "who=self"}, annName: {"h1.local", 8001, "who=h1"}} {
			res := testlan.FindAvahi(lines, "=", name)
			if len(res) == 0 {
				t.Errorf("avahi-browse on h2 did not resolve %q:\n%s", name, out)
			}
			for _, r := range res {
				if r.Host != want.host || r.Port != want.port || !slices.Equal(r.TXT, []string{want.txt}) {
					t.Errorf("avahi-browse resolved %q as %+v, want %s port %d TXT %q", name, r, want.host, want.port, want.txt)
				}
			}
		}
	})
}

// Issue 4: our responder and avahi-daemon share port 5353 on one host
// (SO_REUSEADDR) and both keep working: Avahi on h1 and the local Avahi
// resolve our service, and our browser sees the services Avahi publishes
// on this very host and on h1.
func TestLANAvahiSameHost(t *testing.T) {
	t.Parallel()
	testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		self, h1 := lan.Self(), lan.Host(1)
		self.StartAvahi(t)
		h1.StartAvahi(t)
		c := lanListen(t, "gohost") // after avahi-daemon holds :5353
		lanRegister(t, c, mdns.Service{Instance: "Beside Avahi", Type: "_side._tcp", Port: 9000, Text: textBytes([]string{"side=go"})})
		l := browseLog(t, c, mdns.BrowseQuery{Type: "_side._tcp"})
		pubSelf := self.Start(t, "avahi-publish", "-s", "Avahi Self", "_side._tcp", "9001", "side=self")
		pubH1 := h1.Start(t, "avahi-publish", "-s", "Avahi H1", "_side._tcp", "9002", "side=h1")
		for _, p := range []*testlan.Proc{pubSelf, pubH1} {
			if !p.WaitOutput(10*time.Second, "Established") {
				avahiNoConflict(t, lan, self)
				t.Fatalf("avahi-publish did not establish its service:\n%s", p.Output())
			}
		}
		// Avahi publishes no link-local address when the interface has
		// a routable one.
		l.waitEntry(t, 5*time.Second, "Avahi Self",
			entryCheck("h254.local", 9001, []string{"side=self"}, self.IPv4, self.IPv6))
		l.waitEntry(t, 5*time.Second, "Avahi H1",
			entryCheck("h1.local", 9002, []string{"side=h1"}, h1.IPv4, h1.IPv6))
		l.waitEntry(t, 5*time.Second, "Beside Avahi",
			entryCheck("gohost.local", 9000, []string{"side=go"}, self.IPv4, self.IPv6, ll(self)))

		for _, h := range []*testlan.Host{h1, self} {
			out, err := h.Run(t, 20*time.Second, "avahi-browse", "-rptk", "_side._tcp")
			if err != nil {
				t.Fatal(err)
			}
			res := testlan.FindAvahi(testlan.ParseAvahiBrowse(out), "=", "Beside Avahi")
			if len(res) == 0 {
				t.Errorf("Avahi on %s did not resolve our service:\n%s", h.Name, out)
			}
			for _, r := range res {
				if r.Host != "gohost.local" || r.Port != 9000 || !slices.Equal(r.TXT, []string{"side=go"}) || r.Addr != self.IPv4.String() {
					t.Errorf("Avahi on %s resolved %+v", h.Name, r)
				}
			}
		}
		// Coexisting means neither disturbs the other: the local Avahi
		// still holds its host name (a conflict with one of our records
		// would have made it withdraw its services and rename itself
		// h254-2, RFC 6762 §9), and nothing was removed meanwhile.
		avahiNoConflict(t, lan, self)
		out, err := h1.Run(t, 10*time.Second, "avahi-resolve", "-4", "-n", "h254.local")
		if f := strings.Fields(out); err != nil || len(f) != 2 || f[1] != self.IPv4.String() {
			t.Errorf("h254.local (the local Avahi's host name) resolves to %q (%v), want %v", out, err, self.IPv4)
		}
		for _, ev := range l.snapshot() {
			if ev.Kind == mdns.EventRemove {
				t.Errorf("instance removed while both responders ran: %+v\nevents:\n%s", ev.Entry, l.dump())
			}
		}
	})
}

// The default set-up: our host name is the machine's, which the local
// avahi-daemon publishes too, with fewer of the machine's addresses (no
// link-local one). Avahi's records come from this machine, so Avahi's is
// the machine's name: we keep it for our services' SRV, leave the
// addresses to Avahi (Avahi logs no conflict and keeps its name), and
// other hosts resolve our service to h254.local with h254's addresses —
// whichever starts first, and across a restart of the daemon.
func TestLANAvahiSameHostName(t *testing.T) {
	t.Parallel()
	for _, daemonFirst := range []bool{true, false} {
		name := map[bool]string{true: "daemon first", false: "ours first"}[daemonFirst]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
				self, h1 := lan.Self(), lan.Host(1)
				h1.StartAvahi(t)
				if daemonFirst {
					self.StartAvahi(t)
				}
				c := lanListen(t, self.Name)
				lanRegister(t, c, mdns.Service{Instance: "Same Host", Type: "_side._tcp", Port: 9000})
				if !daemonFirst {
					// Ours holds the name on the link before the daemon
					// starts: h1's Avahi resolves our service there.
					if !poll(10*time.Second, func() bool {
						out, err := h1.Run(t, 10*time.Second, "avahi-browse", "-rptk", "_side._tcp")
						return err == nil && len(testlan.FindAvahi(testlan.ParseAvahiBrowse(out), "=", "Same Host")) > 0
					}) {
						t.Fatal("Avahi on h1 never resolved our service before the daemon started")
					}
					self.StartAvahi(t)
				}
				sameHostChecks(t, lan, c, "after start")
				if daemonFirst {
					self.StopAvahi(t)
					self.StartAvahi(t)
					sameHostChecks(t, lan, c, "after the daemon restarted")
				}
			})
		})
	}
}

// sameHostChecks checks the co-resident avahi-daemon and our Conn c on
// lan.Self(): one host name, no conflict, our service resolvable from h1
// at that name with Avahi's addresses.
func sameHostChecks(t *testing.T, lan *testlan.LAN, c *mdns.Conn, when string) {
	t.Helper()
	self, h1 := lan.Self(), lan.Host(1)
	host := self.Name + ".local"
	if got := c.HostName(); got != self.Name {
		t.Errorf("%s: our host name is %q, want %q", when, got, self.Name)
	}
	if s := c.Stats(); s.HostDeferrals == 0 || s.Conflicts != 0 {
		t.Errorf("%s: %d host deferrals, %d conflicts; want the name left to Avahi, no conflict", when, s.HostDeferrals, s.Conflicts)
	}
	avahiNoConflict(t, lan, self)
	var res []testlan.AvahiLine
	var out string
	ok := poll(10*time.Second, func() bool {
		var err error
		out, err = h1.Run(t, 10*time.Second, "avahi-browse", "-rptk", "_side._tcp")
		res = testlan.FindAvahi(testlan.ParseAvahiBrowse(out), "=", "Same Host")
		return err == nil && len(res) > 0
	})
	if !ok {
		t.Fatalf("%s: Avahi on h1 did not resolve our service:\n%s", when, out)
	}
	for _, r := range res {
		if r.Host != host || r.Port != 9000 || (r.Addr != self.IPv4.String() && r.Addr != self.IPv6.String()) {
			t.Errorf("%s: Avahi on h1 resolved %+v, want %s port 9000 at %v or %v", when, r, host, self.IPv4, self.IPv6)
		}
	}
	out, err := h1.Run(t, 10*time.Second, "avahi-resolve", "-4", "-n", host)
	if f := strings.Fields(out); err != nil || len(f) != 2 || f[1] != self.IPv4.String() {
		t.Errorf("%s: %s resolves to %q (%v), want %v", when, host, out, err, self.IPv4)
	}
}

// avahiNoConflict fails t if the avahi-daemon of h logged a name
// conflict.
func avahiNoConflict(t *testing.T, lan *testlan.LAN, h *testlan.Host) {
	t.Helper()
	logs, _ := filepath.Glob(filepath.Join(lan.LogDir(), h.Name+"-avahi-daemon*.log"))
	if len(logs) == 0 {
		t.Fatalf("no avahi-daemon log of %s in %s", h.Name, lan.LogDir())
	}
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.Contains(line, "conflict") {
				t.Errorf("avahi-daemon on %s: %s", h.Name, line)
			}
		}
	}
}

// Issue 4 (RFC 6762 §11, §5.5): a query from an off-link source gets
// nothing — unicast (legacy, IPv4 and IPv6) or multicast — and is counted
// in Stats.DroppedOffLink; the h1 host has the off-link address on its LAN
// interface and we a route back to it, so only our check stands between the
// query and an answer. The controls, from h1's on-link addresses, are
// answered: a legacy unicast query (§6.7) by unicast to its source port
// with its ID and question echoed, TTLs ≤ 10 s and no cache-flush bit; a
// multicast query by a multicast response.
func TestLANOffLinkQuery(t *testing.T) {
	t.Parallel()
	testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		self, h1 := lan.Self(), lan.Host(1)
		offV4, offV6 := "192.0.2.7", "2001:db8::7"
		for _, cmd := range [][]string{
			{"ip", "addr", "add", offV4 + "/32", "dev", h1.Iface},
			{"ip", "-6", "addr", "add", offV6 + "/128", "dev", h1.Iface, "nodad"},
		} {
			if out, err := h1.Run(t, 5*time.Second, cmd[0], cmd[1:]...); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		}
		for _, cmd := range [][]string{
			{"ip", "route", "add", offV4 + "/32", "dev", lanIface},
			{"ip", "-6", "route", "add", offV6 + "/128", "dev", lanIface},
		} {
			if out, err := self.Run(t, 5*time.Second, cmd[0], cmd[1:]...); err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
		}
		c := lanListen(t, "gohost")
		lanRegister(t, c, mdns.Service{Instance: "Guarded", Type: "_guard._tcp", Port: 7000, Text: textBytes([]string{"k=v"})})
		const qname, target = "_guard._tcp.local.", "Guarded._guard._tcp.local."

		for _, tc := range []struct{ src, dst string }{
			{offV4, self.IPv4.String()},
			{offV6, self.IPv6.String()},
		} {
			before := c.Stats().DroppedOffLink
			res := dnsProbe(t, h1, "unicast", tc.src, tc.dst, qname, time.Second)
			if len(res.Replies) != 0 {
				t.Errorf("legacy unicast query from off-link %s was answered: %v", tc.src, res.Replies[0].Msg)
			}
			if after := c.Stats().DroppedOffLink; after <= before {
				t.Errorf("query from %s: DroppedOffLink %d → %d, want an increase (did the packet arrive?)", tc.src, before, after)
			}
		}
		for _, tc := range []struct{ src, dst string }{
			{h1.IPv4.String(), self.IPv4.String()},
			{h1.IPv6.String(), self.IPv6.String()},
		} {
			res := dnsProbe(t, h1, "unicast", tc.src, tc.dst, qname, time.Second)
			if len(res.Replies) == 0 {
				t.Errorf("legacy unicast query from on-link %s got no answer", tc.src)
				continue
			}
			for _, r := range res.Replies {
				m := r.Msg
				if r.From != tc.dst || r.Port != mdns.Port {
					t.Errorf("reply from %s port %d, want %s port %d", r.From, r.Port, tc.dst, mdns.Port)
				}
				if m.Id != res.ID || len(m.Question) != 1 || m.Question[0] != (dns.Question{Name: qname, Qtype: dns.TypePTR, Qclass: dns.ClassINET}) {
					t.Errorf("reply ID %d question %v, want ID %d and the question echoed (§6.7)", m.Id, m.Question, res.ID)
				}
				if !answersPTR(m, qname, target) {
					t.Errorf("reply does not answer the PTR: %v", m)
				}
				for _, rr := range append(slices.Clone(m.Answer), m.Extra...) {
					if h := rr.Header(); h.Ttl > 10 || h.Class != dns.ClassINET {
						t.Errorf("legacy reply record %v: TTL %d class %#x, want TTL ≤ 10 and no cache-flush bit (§6.7)", rr, h.Ttl, h.Class)
					}
				}
			}
		}

		// Multicast: the off-link query first, so no answer to the
		// control is in the §6 one-second window when it is asked. The
		// probe listens 1.5 s: shared answers wait at most 120 ms (§6).
		before := c.Stats().DroppedOffLink
		res := dnsProbe(t, h1, "multicast", offV4, h1.IPv4.String(), qname, 1500*time.Millisecond)
		for _, r := range res.Replies {
			// The service's own announcements (0, 1, 3, 7 s after it
			// went live) may fall in the window: they carry its SRV
			// among the answers, where an answer to a PTR question
			// carries it as additional data (RFC 6763 §12.1).
			if answersPTR(r.Msg, qname, target) && !announces(r.Msg) {
				t.Errorf("multicast query from off-link %s was answered by %s: %v", offV4, r.From, r.Msg)
			}
		}
		if after := c.Stats().DroppedOffLink; after <= before {
			t.Errorf("multicast query from %s: DroppedOffLink %d → %d, want an increase", offV4, before, after)
		}
		res = dnsProbe(t, h1, "multicast", h1.IPv4.String(), h1.IPv4.String(), qname, 1500*time.Millisecond)
		if !slices.ContainsFunc(res.Replies, func(r probeReply) bool {
			return r.From == self.IPv4.String() && r.Port == mdns.Port && answersPTR(r.Msg, qname, target)
		}) {
			t.Errorf("multicast query from on-link %s got no multicast answer from us: %+v", h1.IPv4, res.Replies)
		}
	})
}

// Issue 4: python-zeroconf resolves our service: server, port, every
// routable address and the TXT record with an empty value, a boolean key
// and UTF-8.
func TestLANZeroconfResolvesOurService(t *testing.T) {
	t.Parallel()
	needZeroconf(t)
	script := zcbrowseScript(t)
	testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		self, h1 := lan.Self(), lan.Host(1)
		c := lanListen(t, "gohost")
		text := []string{"path=/x", "empty=", "flag", "utf=ñandú"}
		lanRegister(t, c, mdns.Service{Instance: "Zero Café", Type: "_zc._tcp", Port: 8443, Text: textBytes(text)})
		out, err := h1.Run(t, 20*time.Second, "/usr/bin/python3", script, "_zc._tcp.local.", "10",
			self.IPv4.String()+","+self.IPv6.String(), "Zero Café")
		if err != nil {
			t.Fatalf("zcbrowse: %v\n%s", err, out)
		}
		var r struct {
			Name      string             `json:"name"`
			Server    string             `json:"server"`
			Port      int                `json:"port"`
			Addresses []string           `json:"addresses"`
			TXT       map[string]*string `json:"txt"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
			t.Fatalf("zcbrowse output %q: %v", out, err)
		}
		if r.Name != "Zero Café._zc._tcp.local." || r.Server != "gohost.local." || r.Port != 8443 {
			t.Errorf("zeroconf resolved %+v", r)
		}
		for _, a := range r.Addresses {
			if p, err := netip.ParseAddr(a); err != nil || (p != self.IPv4 && p != self.IPv6 && p.WithZone("") != self.LinkLocal) {
				t.Errorf("zeroconf address %q is not ours", a)
			}
		}
		for _, a := range []netip.Addr{self.IPv4, self.IPv6} {
			if !slices.Contains(r.Addresses, a.String()) {
				t.Errorf("zeroconf addresses %v lack %v", r.Addresses, a)
			}
		}
		str := func(s string) *string { return &s }
		want := map[string]*string{"path": str("/x"), "empty": str(""), "flag": nil, "utf": str("ñandú")}
		if len(r.TXT) != len(want) {
			t.Errorf("zeroconf TXT has %d keys, want %d: %s", len(r.TXT), len(want), out)
		}
		for k, v := range want {
			got, ok := r.TXT[k]
			if !ok || (v == nil) != (got == nil) || (v != nil && *v != *got) {
				t.Errorf("zeroconf TXT %s: got %v, want %v (%s)", k, got, v, out)
			}
		}
	})
}
