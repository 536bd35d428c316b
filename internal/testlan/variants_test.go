package testlan_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// TestVariants checks the IPv4-only, IPv6-only and link-local-only LANs:
// the missing family is really absent, the other one carries multicast.
func TestVariants(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		opts        testlan.Options
		family      int
		mustHave    []string // in `ip -o addr` on h1
		mustNotHave []string
	}{
		{"ipv4-only", testlan.Options{NoIPv6: true}, 4, []string{"inet 10.99.0.1/24"}, []string{"inet6"}},
		{"ipv6-only", testlan.Options{NoIPv4: true}, 6, []string{"inet6 fd00:99::1/64", "inet6 fe80::ff:fe00:1/64"}, []string{"inet 10."}},
		{"link-local-only", testlan.Options{NoIPv4: true, NoULA: true}, 6, []string{"inet6 fe80::ff:fe00:1/64"}, []string{"inet 10.", "fd00:"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.opts.Hosts = 2
			tc.opts.Binaries = []string{mcastcheck}
			testlan.Run(t, tc.opts, func(t *testing.T, lan *testlan.LAN) {
				h1 := lan.Host(1)
				if h1.IPv4.IsValid() != (tc.family == 4) || h1.LinkLocal.IsValid() != (tc.family == 6) ||
					h1.IPv6.IsValid() != (tc.family == 6 && !tc.opts.NoULA) {
					t.Errorf("h1 addresses: %+v", h1)
				}
				out, err := h1.Run(t, 5*time.Second, "ip", "-o", "addr", "show", "dev", "e1")
				if err != nil {
					t.Fatal(err)
				}
				for _, s := range tc.mustHave {
					if !strings.Contains(out, s) {
						t.Errorf("h1 lacks %q:\n%s", s, out)
					}
				}
				for _, s := range tc.mustNotHave {
					if strings.Contains(out, s) {
						t.Errorf("h1 has %q:\n%s", s, out)
					}
				}
				checkMulticast(t, lan, h1, lan.Host(2), tc.family)
				if tc.family == 4 {
					// IPv6 is disabled in the host, not just unaddressed.
					v6, err := h1.Run(t, 5*time.Second, "cat", "/proc/sys/net/ipv6/conf/e1/disable_ipv6")
					if err != nil || strings.TrimSpace(v6) != "1" {
						t.Errorf("disable_ipv6 on e1 = %q (%v)", v6, err)
					}
				}
			})
		})
	}
}
