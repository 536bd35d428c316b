package mdns_test

import (
	"context"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// avahiResolved waits until the avahi-browse -rpk watcher w has printed an
// "=" line for instance on both IPv4 and IPv6 and returns those lines.
func avahiResolved(t *testing.T, w *testlan.Proc, instance string, timeout time.Duration) []testlan.AvahiLine {
	t.Helper()
	var res []testlan.AvahiLine
	ok := poll(timeout, func() bool {
		res = testlan.FindAvahi(testlan.ParseAvahiBrowse(w.Output()), "=", instance)
		return slices.ContainsFunc(res, func(l testlan.AvahiLine) bool { return l.Proto == "IPv4" }) &&
			slices.ContainsFunc(res, func(l testlan.AvahiLine) bool { return l.Proto == "IPv6" })
	})
	if !ok {
		t.Fatalf("avahi-browse did not resolve %q over IPv4 and IPv6 within %v:\n%s", instance, timeout, w.Output())
	}
	return res
}

// avahiRemoved waits until w has printed "-" lines for instance on IPv4
// and IPv6, and returns how long after since that was seen.
func avahiRemoved(t *testing.T, w *testlan.Proc, instance string, since time.Time, timeout time.Duration) time.Duration {
	t.Helper()
	ok := poll(timeout, func() bool {
		rm := testlan.FindAvahi(testlan.ParseAvahiBrowse(w.Output()), "-", instance)
		return slices.ContainsFunc(rm, func(l testlan.AvahiLine) bool { return l.Proto == "IPv4" }) &&
			slices.ContainsFunc(rm, func(l testlan.AvahiLine) bool { return l.Proto == "IPv6" })
	})
	d := time.Since(since)
	if !ok {
		t.Fatalf("avahi-browse printed no removal of %q within %v:\n%s", instance, timeout, w.Output())
	}
	return d
}

// Issue 4 (c): Avahi on another host resolves our service — host, port,
// every address (IPv4 and IPv6, forward and reverse), TXT exactly, with an
// empty value, a boolean key and UTF-8 — and the instance name with a
// space, a dot, a backslash and UTF-8 exactly. It drops the instance about
// one second after Deregister and after Close: our goodbyes (TTL 0, RFC 6762
// §10.1) reach it at once, and Avahi keeps a record with TTL 0 for one
// second.
func TestLANAvahiResolvesOurService(t *testing.T) {
	t.Parallel()
	testlan.Run(t, testlan.Options{Hosts: 1, Self: true}, func(t *testing.T, lan *testlan.LAN) {
		self, h1 := lan.Self(), lan.Host(1)
		h1.StartAvahi(t)
		c := lanListen(t, "gohost")
		text := []string{"path=/x", "empty=", "flag", "utf=ñandú", "sp=a b"}
		svcA := mdns.Service{Instance: `Café 1.5 \ Ü`, Type: "_lantest._tcp", Port: 8080, Text: textBytes(text)}
		svcB := mdns.Service{Instance: "Second", Type: "_lantest._tcp", Port: 8081, Text: textBytes([]string{"b=2"})}
		regA := lanRegister(t, c, svcA)
		lanRegister(t, c, svcB)
		registered := time.Now()

		w := h1.Start(t, "avahi-browse", "-rpk", "_lantest._tcp")
		ours := map[netip.Addr]bool{self.IPv4: true, self.IPv6: true, self.LinkLocal: true}
		res := avahiResolved(t, w, svcA.Instance, 10*time.Second)
		t.Logf("avahi-browse resolved %q %v after registration", svcA.Instance, time.Since(registered))
		for _, l := range res {
			if a, err := netip.ParseAddr(l.Addr); err != nil || !ours[a.WithZone("")] {
				t.Errorf("avahi resolved address %q (%v), not one of ours %v", l.Addr, err, ours)
			}
			if l.Host != "gohost.local" || l.Port != 8080 || l.Iface != h1.Iface || l.Type != "_lantest._tcp" || l.Domain != "local" {
				t.Errorf("avahi resolved %+v, want host gohost.local port 8080 on %s", l, h1.Iface)
			}
			// Avahi builds its TXT list back to front: reversed, this is
			// the wire order, which must be ours (RFC 6763 §6.4 makes order
			// matter: the first occurrence of a key wins).
			got := slices.Clone(l.TXT)
			slices.Reverse(got)
			if !slices.Equal(got, text) {
				t.Errorf("avahi TXT (reversed) %q, want %q", got, text)
			}
		}
		// The host's addresses, forward by family and reverse (RFC 6762
		// §4), as Avahi's resolver sees them.
		for _, tc := range []struct {
			args []string
			want []string
		}{
			{[]string{"-4", "-n", "gohost.local"}, []string{self.IPv4.String()}},
			{[]string{"-6", "-n", "gohost.local"}, []string{self.IPv6.String(), self.LinkLocal.String()}},
			{[]string{"-a", self.IPv4.String()}, []string{"gohost.local"}},
			{[]string{"-a", self.IPv6.String()}, []string{"gohost.local"}},
		} {
			out, err := h1.Run(t, 10*time.Second, "avahi-resolve", tc.args...)
			f := strings.Fields(out)
			if err != nil || len(f) != 2 || !slices.Contains(tc.want, f[1]) {
				t.Errorf("avahi-resolve %v: %q (%v), want one of %v", tc.args, out, err, tc.want)
			}
		}

		// Goodbye on Deregister: A goes, B stays.
		t0 := time.Now()
		if err := regA.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		d := avahiRemoved(t, w, svcA.Instance, t0, 5*time.Second)
		t.Logf("avahi-browse removed %q %v after Deregister was called", svcA.Instance, d)
		if d > 2*time.Second {
			t.Errorf("Avahi removed the instance %v after Deregister, want ≤ 2s (goodbye + 1 s, RFC 6762 §10.1)", d)
		}
		if rm := testlan.FindAvahi(testlan.ParseAvahiBrowse(w.Output()), "-", svcB.Instance); len(rm) > 0 {
			t.Errorf("Deregister of %q removed %q too: %+v", svcA.Instance, svcB.Instance, rm)
		}
		// Goodbye on Close: B goes.
		avahiResolved(t, w, svcB.Instance, 5*time.Second)
		t1 := time.Now()
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
		d = avahiRemoved(t, w, svcB.Instance, t1, 5*time.Second)
		t.Logf("avahi-browse removed %q %v after Close was called", svcB.Instance, d)
		if d > 2*time.Second {
			t.Errorf("Avahi removed the instance %v after Close, want ≤ 2s (goodbye + 1 s, RFC 6762 §10.1)", d)
		}
	})
}
