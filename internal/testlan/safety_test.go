package testlan_test

import (
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

func readNS(t *testing.T, pid any, ns string) string {
	t.Helper()
	l, err := os.Readlink(fmt.Sprintf("/proc/%v/ns/%s", pid, ns))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func netnsNames(t *testing.T) []string {
	ents, err := os.ReadDir("/run/netns")
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// TestSafety checks, independently of the harness's own gate, that the
// test function runs in namespaces other than the test binary's: its
// parent (the outer test process) and pid 1 (where readable) live elsewhere, the only
// interface it started with was lo, the interfaces it sees are the LAN's,
// and /run is a private tmpfs. In the outer process it checks that the
// LAN left no `ip netns` entry behind.
func TestSafety(t *testing.T) {
	t.Parallel()
	var before []string
	if !testlan.InNamespace() {
		before = netnsNames(t)
	}
	testlan.Run(t, testlan.Options{Hosts: 2}, func(t *testing.T, lan *testlan.LAN) {
		if got := lan.InitialLinks(); !slices.Equal(got, []string{"lo"}) {
			t.Errorf("initial links = %v, want [lo]", got)
		}
		self := readNS(t, "self", "net")
		pids := []any{os.Getppid()}
		if _, err := os.Readlink("/proc/1/ns/net"); err == nil {
			pids = append(pids, 1) // not readable in every container
		}
		for _, pid := range pids {
			if other := readNS(t, pid, "net"); other == self {
				t.Errorf("network namespace %s shared with pid %v", self, pid)
			}
			if other := readNS(t, pid, "mnt"); other == readNS(t, "self", "mnt") {
				t.Errorf("mount namespace shared with pid %v", pid)
			}
			if other := readNS(t, pid, "uts"); other == readNS(t, "self", "uts") {
				t.Errorf("UTS namespace shared with pid %v", pid)
			}
		}
		ifs, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		for _, ifi := range ifs {
			if !slices.Contains([]string{"lo", "br0", "v1", "v2"}, ifi.Name) {
				t.Errorf("unexpected interface %q in the bridge namespace", ifi.Name)
			}
		}
		mounts, err := os.ReadFile("/proc/self/mounts")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(mounts), "testlan /run tmpfs") {
			t.Errorf("/run is not the private tmpfs:\n%s", mounts)
		}
		if got := netnsNames(t); !slices.Equal(got, []string{"h1", "h2"}) {
			t.Errorf("ip netns in the LAN = %v, want [h1 h2]", got)
		}
		// The bridge namespace itself has no address: without Self the
		// test process can reach nothing.
		for _, ifi := range ifs {
			addrs, _ := ifi.Addrs()
			for _, a := range addrs {
				if ifi.Name != "lo" {
					t.Errorf("address %v on %s in the bridge namespace", a, ifi.Name)
				}
			}
		}
	})
	if !testlan.InNamespace() {
		if after := netnsNames(t); !slices.Equal(before, after) {
			t.Errorf("ip netns in the outer namespace changed: %v -> %v", before, after)
		}
	}
}
