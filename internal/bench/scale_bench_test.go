package bench

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// Discovery at scale on real sockets: many instances of one type,
// published by mdns-announce processes (one --file each), and a fresh
// browser (one mdns.Conn in this process, host h254, Browse of the type)
// started once they are all established. It reports how many instances the
// browser sees and when, and, from a capture of the bridge, every mDNS
// datagram on the wire from the browser's start until the last add: their
// number, by sender, and the largest one against the 1500-byte MTU of the
// LAN's veth links (RFC 6762 §17: no datagram over the MTU unless one
// record alone needs it).
//
// Gated like the rest of the harness: MDNS_BENCH=1, as root.
// MDNS_BENCH_REPS sets the repetitions (default 3 here: each takes about
// 15 s plus the registrations).
func TestScaleBench(t *testing.T) {
	reps := benchReps(t)
	if os.Getenv("MDNS_BENCH_REPS") == "" {
		reps = 3
	}
	scenarios := []struct {
		name        string
		hosts, each int
	}{
		{"1000 instances on one host", 1, 1000},
		{"1000 instances over 10 hosts", 10, 100},
		{"5000 instances on one host", 1, 5000},
	}
	for _, sc := range scenarios {
		t.Run(strings.ReplaceAll(sc.name, " ", "_"), func(t *testing.T) {
			opts := testlan.Options{Hosts: sc.hosts, Self: true, Binaries: []string{"./cmd/mdns-announce"}}
			testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
				scaleScenario(t, lan, sc.name, sc.hosts, sc.each, reps)
			})
		})
	}
}

func scaleScenario(t *testing.T, lan *testlan.LAN, name string, hosts, each, reps int) {
	const typ = "_bench._tcp"
	total := hosts * each
	dir := t.TempDir()
	stopReg := lan.Capture(t, "registration")
	t0 := time.Now()
	procs := map[*testlan.Proc]int{}
	for i := 1; i <= hosts; i++ {
		h := lan.Host(i)
		file := filepath.Join(dir, fmt.Sprintf("h%d.json", i))
		writeServices(t, file, typ, fmt.Sprintf("Bench h%d", i), each)
		p := h.Start(t, lan.Bin("mdns-announce"), "--file", file, "--json", "--interface", h.Iface)
		t.Cleanup(func() { p.Stop(os.Interrupt, 20*time.Second) })
		procs[p] = each
	}
	for p, n := range procs {
		if _, ok := poll(120*time.Second, func() bool { return strings.Count(p.Output(), `"event":"registered"`) >= n }); !ok {
			t.Fatalf("%d services not registered within 120 s:\n%s", n, tail(p.Output(), 20))
		}
	}
	reg := time.Since(t0)
	time.Sleep(4 * time.Second) // past the announcements (RFC 6762 §8.3)
	n, big, over := mtuCount(readDatagrams(t, stopReg()), time.Time{}, time.Now())
	t.Logf("%s: %d services registered in %v; %d datagrams while probing and announcing, largest %d B, %d over the MTU",
		name, total, reg.Round(10*time.Millisecond), n, big, over)

	var seen, half, all []time.Duration
	var pkts, pktsQ, pktsR, maxSize, overMTU, removes []int
	for rep := range reps {
		stop := lan.Capture(t, fmt.Sprintf("scale-%d", rep))
		start := time.Now()
		c, err := mdns.Listen(mdns.Config{Interfaces: []string{"br0"}, HostName: "scalebrowser" + strconv.Itoa(rep)})
		if err != nil {
			t.Fatal(err)
		}
		b := startBrowse(c, typ)
		_, complete := poll(15*time.Second, func() bool { return b.count("add") >= total })
		if !complete {
			time.Sleep(10 * time.Second) // the "nothing more in the next 10 s"
		}
		b.stop()
		c.Close()
		added := b.times("add", start)
		slices.Sort(added)
		seen = append(seen, time.Duration(len(added)))
		last := time.Duration(0)
		if len(added) > 0 {
			last = added[len(added)-1]
			half = append(half, added[(len(added)-1)/2])
		}
		if len(added) == total {
			all = append(all, last)
		}
		removes = append(removes, b.count("remove"))
		// Every datagram from the browser's start to its last add.
		ds := readDatagrams(t, stop())
		n, big, over := mtuCount(ds, start, start.Add(last))
		q := 0
		for _, d := range ds {
			if !d.at.Before(start) && !d.at.After(start.Add(last)) && !d.response {
				q++
			}
		}
		r := n - q
		pkts, pktsQ, pktsR = append(pkts, n), append(pktsQ, q), append(pktsR, r)
		maxSize, overMTU = append(maxSize, big), append(overMTU, over)
		t.Logf("%s, run %d: %d of %d seen, half by %v, last at %v; %d removes; %d datagrams until the last add (%d queries, %d responses), largest %d B, %d over the MTU",
			name, rep, len(added), total, durAt(added, 0.5), last.Round(time.Millisecond), b.count("remove"), n, q, r, big, over)
		time.Sleep(2 * time.Second)
	}
	t.Logf("%s, %d runs: seen %v of %d; half seen %v; all seen %v; removes %v; datagrams until the last add %v (queries %v, responses %v); largest %v B; over the MTU %v",
		name, reps, ints(seen), total, summarize(half), summarize(all), removes, pkts, pktsQ, pktsR, maxSize, overMTU)
}

// datagram is one UDP datagram of a capture. A datagram over the MTU is
// sent in IP fragments; the capture's filter (udp port 5353) keeps only
// the first, which still has the UDP header with the datagram's length
// (testlan.ReadCapture, which reads whole datagrams, fails on it). A
// fragmented IPv6 datagram is not captured at all: its first fragment's
// next header is the fragment header, not UDP.
type datagram struct {
	at       time.Time
	payload  int // UDP payload bytes
	v6       bool
	response bool
}

// readDatagrams decodes a capture with tshark, each first fragment as the
// datagram it starts.
func readDatagrams(t *testing.T, path string) []datagram {
	t.Helper()
	out, err := exec.Command("tshark", "-n", "-o", "ip.defragment:FALSE", "-o", "ipv6.defragment:FALSE", "-r", path,
		"-T", "fields", "-E", "separator=|",
		"-e", "frame.time_epoch", "-e", "udp.length", "-e", "ipv6.src", "-e", "dns.flags.response").Output()
	if err != nil {
		t.Fatalf("tshark -r %s: %v", path, err)
	}
	var ds []datagram
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(line, "|")
		if len(f) < 4 || f[1] == "" {
			continue // not UDP
		}
		sec, err1 := strconv.ParseFloat(f[0], 64)
		n, err2 := strconv.Atoi(f[1])
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: tshark line %q", path, line)
		}
		ds = append(ds, datagram{at: time.Unix(0, int64(sec*1e9)), payload: n - 8, v6: f[2] != "",
			response: f[3] == "1" || f[3] == "True"})
	}
	return ds
}

// mtuCount counts the datagrams in [from, to] (all with a zero from), the
// largest UDP payload and those over the LAN's 1500-byte MTU with their
// IP and UDP headers.
func mtuCount(ds []datagram, from, to time.Time) (n, largest, over int) {
	for _, d := range ds {
		if d.at.Before(from) || d.at.After(to) {
			continue
		}
		n++
		largest = max(largest, d.payload)
		hdr := 28
		if d.v6 {
			hdr = 48
		}
		if d.payload+hdr > 1500 {
			over++
		}
	}
	return n, largest, over
}

func durAt(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(p*float64(len(sorted)-1))].Round(time.Millisecond)
}

func ints(ds []time.Duration) []int {
	out := make([]int, len(ds))
	for i, d := range ds {
		out[i] = int(d)
	}
	return out
}

func tail(s string, n int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(ls[max(0, len(ls)-n):], "\n")
}

// writeServices writes an mdns-announce --file list of n instances of typ
// named "<prefix> NNNN".
func writeServices(t *testing.T, path, typ, prefix string, n int) {
	t.Helper()
	type svc struct {
		Instance string   `json:"instance"`
		Service  string   `json:"service"`
		Port     int      `json:"port"`
		TXT      []string `json:"txt"`
	}
	list := make([]svc, n)
	for i := range list {
		list[i] = svc{Instance: fmt.Sprintf("%s %04d", prefix, i), Service: typ, Port: 9000 + i%1000, TXT: []string{"n=" + strconv.Itoa(i)}}
	}
	b, err := json.Marshal(list)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// count is how many instances had an event of kind ("add", "remove").
func (b *browser) count(kind string) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	if kind == "remove" {
		return len(b.removed)
	}
	return len(b.added)
}

// times are the first times of kind's events, since start.
func (b *browser) times(kind string, start time.Time) []time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	m := b.added
	if kind == "remove" {
		m = b.removed
	}
	out := make([]time.Duration, 0, len(m))
	for _, at := range m {
		out = append(out, at.Sub(start))
	}
	return out
}

// TestRegisterScaleBench: registration at scale on real sockets. scalepeer
// (package mdns alone) on h1 starts n registrations with RegisterNoWait — no
// goroutine of its own per service — and reports when the last is
// established (RFC 6762 §8: probed, then announced); the capture gives
// the datagrams that took, the largest, and any over the 1500-byte MTU
// (§17: probes for many names are split). Gated like the rest.
func TestRegisterScaleBench(t *testing.T) {
	reps := benchReps(t)
	if os.Getenv("MDNS_BENCH_REPS") == "" {
		reps = 3
	}
	opts := testlan.Options{Hosts: 1, Binaries: []string{"./internal/scalepeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1 := lan.Host(1)
		for _, n := range []int{1000, 5000} {
			var ready []time.Duration
			for rep := range reps {
				stop := lan.Capture(t, fmt.Sprintf("register-%d-%d", n, rep))
				p := h1.Start(t, lan.Bin("scalepeer"), "-n", strconv.Itoa(n), "-type", fmt.Sprintf("_p%d._tcp", rep), "-iface", h1.Iface)
				if !p.WaitOutput(2*time.Minute, `"event":"ready"`) {
					t.Fatalf("scalepeer not ready:\n%s", tail(p.Output(), 10))
				}
				var ev struct{ Seconds float64 }
				for _, l := range strings.Split(p.Output(), "\n") {
					if strings.Contains(l, `"ready"`) {
						json.Unmarshal([]byte(l), &ev)
					}
				}
				d := time.Duration(ev.Seconds * float64(time.Second))
				ready = append(ready, d)
				time.Sleep(3 * time.Second) // the second announcement
				p.Stop(os.Interrupt, 20*time.Second)
				cnt, big, over := mtuCount(readDatagrams(t, stop()), time.Time{}, time.Now())
				t.Logf("%d services: established after %v; %d datagrams from start to goodbye, largest %d B, %d over the MTU",
					n, d.Round(time.Millisecond), cnt, big, over)
			}
			t.Logf("%d services, %d runs: established after %v", n, reps, summarize(ready))
		}
	})
}
