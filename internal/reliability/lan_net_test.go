package reliability

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// Impairments on testlan, in the kernel: nftables inside each host's own
// network namespace (the kernel has no netem). Every host loses a share of
// the mDNS packets it receives from other hosts, each packet on its own as
// a Wi-Fi station does (numgen random per packet; the host's own packets,
// looped back, are never lost), and duplicates a share of the multicast
// it sends (nft's dup statement sends a second copy to the group). Named
// counters measure what was done, so a run reports the loss it really had.

// impair is a host's loss and duplication, in percent.
type impair struct {
	lossPct, dupPct int
}

// netRules is the host's ruleset: table inet rel (loss, counters and an
// empty chain "block" that cutOff fills) and the dup tables.
func netRules(h *testlan.Host, im impair) string {
	s := fmt.Sprintf(`table inet rel {
	counter rx {}
	counter lost {}
	counter tx {}
	counter duplicated {}
	chain input {
		type filter hook input priority -200; policy accept;
		udp dport 5353 fib saddr type != local counter name rx
		udp dport 5353 fib saddr type != local numgen random mod 100 < %d counter name lost drop
	}
	chain output {
		type filter hook output priority 0; policy accept;
		udp sport 5353 counter name tx
		jump block
	}
	chain block {
	}
}
`, im.lossPct)
	if im.dupPct > 0 {
		for _, f := range []struct{ fam, match, group string }{{"ip", "ip daddr 224.0.0.251", "224.0.0.251"}, {"ip6", "ip6 daddr ff02::fb", "ff02::fb"}} {
			s += fmt.Sprintf(`table %s reldup {
	chain output {
		type filter hook output priority 10; policy accept;
		%s udp dport 5353 numgen random mod 100 < %d counter dup to %s device "%s"
	}
}
`, f.fam, f.match, im.dupPct, f.group, h.Iface)
		}
	}
	return s
}

// applyImpair installs the rules on every host.
func applyImpair(t *testing.T, lan *testlan.LAN, hosts []*testlan.Host, im impair) {
	t.Helper()
	for _, h := range hosts {
		nftApply(t, lan, h, "rules", netRules(h, im))
	}
}

// nftApply loads a ruleset file on h.
func nftApply(t *testing.T, lan *testlan.LAN, h *testlan.Host, name, rules string) {
	t.Helper()
	path := filepath.Join(lan.LogDir(), fmt.Sprintf("nft-%s-%s.conf", h.Name, name))
	if err := os.WriteFile(path, []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := h.Run(t, 10*time.Second, "nft", "-f", path); err != nil {
		t.Fatal(err)
	}
}

// cutOff makes h send no mDNS packet (its goodbyes are lost) until the
// returned function restores it.
func cutOff(t *testing.T, h *testlan.Host) (restore func()) {
	t.Helper()
	if _, err := h.Run(t, 10*time.Second, "nft", "add", "rule", "inet", "rel", "block", "udp", "sport", "5353", "drop"); err != nil {
		t.Fatal(err)
	}
	return func() {
		if _, err := h.Run(t, 10*time.Second, "nft", "flush", "chain", "inet", "rel", "block"); err != nil {
			t.Error(err)
		}
	}
}

// netCounters are a host's counters, in packets.
type netCounters struct {
	RX, Lost, TX, Duplicated int64
}

func readCounters(t *testing.T, h *testlan.Host) netCounters {
	t.Helper()
	out, err := h.Run(t, 10*time.Second, "nft", "-j", "list", "counters")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Nftables []struct {
			Counter *struct {
				Name    string `json:"name"`
				Table   string `json:"table"`
				Packets int64  `json:"packets"`
			} `json:"counter"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatalf("nft -j list counters on %s: %v", h.Name, err)
	}
	var c netCounters
	for _, e := range doc.Nftables {
		if e.Counter == nil || e.Counter.Table != "rel" {
			continue
		}
		switch e.Counter.Name {
		case "rx":
			c.RX = e.Counter.Packets
		case "lost":
			c.Lost = e.Counter.Packets
		case "tx":
			c.TX = e.Counter.Packets
		}
	}
	// The anonymous counters of the dup rules.
	out, err = h.Run(t, 10*time.Second, "nft", "-j", "list", "ruleset")
	if err != nil {
		t.Fatal(err)
	}
	var rs struct {
		Nftables []struct {
			Rule *struct {
				Table string            `json:"table"`
				Expr  []json.RawMessage `json:"expr"`
			} `json:"rule"`
		} `json:"nftables"`
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("nft -j list ruleset on %s: %v", h.Name, err)
	}
	for _, e := range rs.Nftables {
		if e.Rule == nil || e.Rule.Table != "reldup" {
			continue
		}
		for _, x := range e.Rule.Expr {
			var ex struct {
				Counter *struct{ Packets int64 } `json:"counter"`
			}
			if json.Unmarshal(x, &ex) == nil && ex.Counter != nil {
				c.Duplicated += ex.Counter.Packets
			}
		}
	}
	return c
}

func sumCounters(t *testing.T, hosts []*testlan.Host) netCounters {
	t.Helper()
	var s netCounters
	for _, h := range hosts {
		c := readCounters(t, h)
		s.RX += c.RX
		s.Lost += c.Lost
		s.TX += c.TX
		s.Duplicated += c.Duplicated
	}
	return s
}
