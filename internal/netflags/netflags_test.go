package netflags

import (
	"bytes"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

func TestFlags(t *testing.T) {
	var n Net
	fs := cli.NewFlagSet("x")
	n.Register(fs)
	if err := fs.Parse([]string{"-i", "en*", "--interface", "wlan0", "--exclude-interface", "docker*", "-4"}); err != nil {
		t.Fatal(err)
	}
	if err := n.Check(); err != nil {
		t.Fatal(err)
	}
	var cfg mdns.Config
	var stderr bytes.Buffer
	n.Apply(&cfg, "x", &stderr)
	if fmt.Sprint(cfg.Interfaces, cfg.ExcludeInterfaces, cfg.DisableIPv4, cfg.DisableIPv6) != "[en* wlan0] [docker*] false true" {
		t.Errorf("config %v %v %v %v", cfg.Interfaces, cfg.ExcludeInterfaces, cfg.DisableIPv4, cfg.DisableIPv6)
	}
	// A join failure reaches stderr with the sysctl to raise.
	cfg.Warn(&mdns.JoinError{Interface: "veth9", Group: mdns.GroupIPv4(), Err: fmt.Errorf("setsockopt: %w", syscall.ENOBUFS)})
	if s := stderr.String(); !strings.HasPrefix(s, "x: mdns: cannot join the mDNS group 224.0.0.251 on veth9") ||
		!strings.Contains(s, "x: hint: ") || !strings.Contains(s, "net.ipv4.igmp_max_memberships") {
		t.Errorf("stderr:\n%s", s)
	}
	for _, bad := range []Net{{Interfaces: []string{"en["}}, {Exclude: []string{""}}, {IPv4Only: true, IPv6Only: true}} {
		if err := bad.Check(); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}
