package domains

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

// Standard DNS-SD software sees the DNS-SD flavour's nodes with readable
// metadata: a node registered in dev is mirrored into local, and both
// Avahi (avahi-browse) and python-zeroconf resolve the mirror with its
// port and plain key=value attributes, domain=dev among them.
func TestLANAvahiAndZeroconfSeeNodes(t *testing.T) {
	t.Parallel()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import zeroconf").CombinedOutput(); err != nil {
		testlan.SkipOrFail(t, "python-zeroconf missing (/usr/bin/python3 -c 'import zeroconf': %v: %s)", err, out)
	}
	script, err := filepath.Abs("../internal/testlan/testdata/zcbrowse.py")
	if err != nil {
		t.Fatal(err)
	}
	testlan.Run(t, testlan.Options{Hosts: 3}, func(t *testing.T, lan *testlan.LAN) {
		exe, err := os.Executable()
		if err != nil {
			t.Fatal(err)
		}
		h1, h2, h3 := lan.Host(1), lan.Host(2), lan.Host(3)
		p := h1.Start(t, exe, peerCommand, "-id", "g1", "-port", "8001", "-domains", "dev")
		if !p.WaitOutput(15*time.Second, "registered") {
			t.Fatalf("h1 did not register:\n%s", p.Output())
		}

		h2.StartAvahi(t)
		out, err := h2.Run(t, 20*time.Second, "avahi-browse", "-rtpk", "_greeter._tcp")
		if err != nil {
			t.Fatalf("avahi-browse: %v\n%s", err, out)
		}
		found := false
		for _, line := range strings.Split(out, "\n") {
			// =;iface;proto;name;type;domain;host;address;port;"txt" "txt"...
			f := strings.SplitN(line, ";", 10)
			if len(f) == 10 && f[0] == "=" && f[3] == "g1" && f[5] == "local" && f[8] == "8001" {
				found = strings.Contains(f[9], `"host=h1"`) && strings.Contains(f[9], `"domain=dev"`) && strings.Contains(f[9], `"version=1.0.0"`)
				if !found {
					t.Errorf("avahi-browse: g1's TXT lacks host=h1, domain=dev, version=1.0.0: %s", f[9])
				}
				break
			}
		}
		if !found {
			t.Errorf("avahi-browse did not resolve g1 on port 8001:\n%s", out)
		}

		out, err = h3.Run(t, 20*time.Second, "/usr/bin/python3", script, "_greeter._tcp.local.", "10", h1.IPv4.String(), "g1")
		if err != nil {
			t.Fatalf("zeroconf on h3: %v\n%s", err, out)
		}
		var r struct {
			Name string            `json:"name"`
			Port int               `json:"port"`
			TXT  map[string]string `json:"txt"`
		}
		if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &r); err != nil {
			t.Fatalf("zcbrowse output %q: %v", out, err)
		}
		if r.Port != 8001 || r.TXT["host"] != "h1" || r.TXT["domain"] != "dev" || r.TXT["version"] != "1.0.0" {
			t.Errorf("python-zeroconf resolved %+v", r)
		}
	})
}
