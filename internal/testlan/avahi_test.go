package testlan_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

const staticService = `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>testlan static</name>
  <service>
    <type>_testlan._tcp</type>
    <port>9090</port>
    <txt-record>c=3</txt-record>
  </service>
</service-group>
`

type zcResult struct {
	Name      string            `json:"name"`
	Server    string            `json:"server"`
	Port      int               `json:"port"`
	Addresses []string          `json:"addresses"`
	TXT       map[string]string `json:"txt"`
}

func needZeroconf(t *testing.T) {
	t.Helper()
	if out, err := exec.Command("/usr/bin/python3", "-c", "import zeroconf").CombinedOutput(); err != nil {
		testlan.SkipOrFail(t, "python-zeroconf missing (/usr/bin/python3 -c 'import zeroconf': %v: %s)", err, out)
	}
}

// TestAvahiToZeroconf proves the interop peers work: Avahi on h1 publishes
// a service over D-Bus (avahi-publish) and one from a static .service file;
// python-zeroconf on h2 finds both with the right port, addresses and TXT.
func TestAvahiToZeroconf(t *testing.T) {
	t.Parallel()
	needZeroconf(t)
	script, err := filepath.Abs("testdata/zcbrowse.py")
	if err != nil {
		t.Fatal(err)
	}
	testlan.Run(t, testlan.Options{Hosts: 2}, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		h1.AvahiService(t, "static", staticService)
		h1.StartAvahi(t)
		pub := h1.Start(t, "avahi-publish", "-s", "testlan web", "_testlan._tcp", "8080", "a=1", "b=two")
		if !pub.WaitOutput(10*time.Second, "Established under name") {
			t.Fatalf("avahi-publish did not establish its service:\n%s", pub.Output())
		}
		wantAddrs := []string{h1.IPv4.String(), h1.IPv6.String()}
		out, err := h2.Run(t, 20*time.Second, "/usr/bin/python3", script, "_testlan._tcp.local.", "10",
			strings.Join(wantAddrs, ","), "testlan web", "testlan static")
		if err != nil {
			t.Fatalf("zeroconf on h2: %v\n%s", err, out)
		}
		got := map[string]zcResult{}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r zcResult
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatalf("bad zcbrowse line %q: %v", line, err)
			}
			got[r.Name] = r
		}
		for name, want := range map[string]struct {
			port int
			txt  map[string]string
		}{
			"testlan web._testlan._tcp.local.":    {8080, map[string]string{"a": "1", "b": "two"}},
			"testlan static._testlan._tcp.local.": {9090, map[string]string{"c": "3"}},
		} {
			r, ok := got[name]
			if !ok {
				t.Errorf("zeroconf did not report %q; got %v", name, got)
				continue
			}
			if r.Port != want.port || r.Server != "h1.local." {
				t.Errorf("%s: port %d server %q, want %d h1.local.", name, r.Port, r.Server, want.port)
			}
			for _, a := range wantAddrs {
				if !slices.Contains(r.Addresses, a) {
					t.Errorf("%s: addresses %v lack %s", name, r.Addresses, a)
				}
			}
			for k, v := range want.txt {
				if r.TXT[k] != v {
					t.Errorf("%s: TXT %v, want %s=%s", name, r.TXT, k, v)
				}
			}
		}
		// avahi-browse on h1 reaches its own daemon through the host's D-Bus
		// (environment added automatically).
		br, err := h1.Run(t, 10*time.Second, "avahi-browse", "-p", "-t", "-r", "_testlan._tcp")
		if err != nil || !strings.Contains(br, `=;e1;IPv4;testlan\032web;_testlan._tcp;local;h1.local;10.99.0.1;8080;`) {
			t.Errorf("avahi-browse on h1 (%v):\n%s", err, br)
		}
		// A service file installed while avahi runs is picked up (SIGHUP).
		h1.AvahiService(t, "late", strings.NewReplacer("testlan static", "testlan late", "9090", "7070").Replace(staticService))
		for end := time.Now().Add(5 * time.Second); ; time.Sleep(200 * time.Millisecond) {
			br, err = h1.Run(t, 10*time.Second, "avahi-browse", "-p", "-t", "-r", "_testlan._tcp")
			if err == nil && strings.Contains(br, `testlan\032late;_testlan._tcp;local;h1.local;10.99.0.1;7070;"c=3"`) {
				break
			}
			if time.Now().After(end) {
				t.Fatalf("late service not published (%v):\n%s", err, br)
			}
		}
	})
}
