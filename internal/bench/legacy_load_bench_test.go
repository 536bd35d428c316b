package bench

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// The responder's cost under a steady load of legacy unicast queries
// (RFC 6762 §6.7: from an ephemeral port, answered at once by unicast to
// it), on real sockets: a responder on h1 publishes 100 services of one
// type; this process (h254) multicasts 1000 queries a second for
// loadDuration and reads the replies. We read the responder's CPU time
// (utime + stime, /proc/PID/stat) and resident memory (VmRSS sampled every
// 100 ms, and VmHWM, /proc/PID/status) — the responder's alone, not this
// process's. Four responders, one after the other:
//
//   - mdns-announce --file (the command, with everything it links in);
//   - internal/scalepeer (package mdns alone, services started with
//     RegisterNoWait);
//   - hashicorp/mdns's Server (internal/hashipeer), one service: it can
//     publish only one;
//   - a Go UDP server that answers every datagram with the same 510
//     bytes without reading it (this test binary, TestHelperLegacyEcho):
//     what one query costs a Go process on this machine when the work is
//     nothing — the wake-ups and system calls alone.
//
// The machine's noise moves these figures by ±20 % from one run to the
// next: each responder runs MDNS_BENCH_REPS times (default 3 here), in
// turn, and the summary gives the median and range.
//
// Gated like the rest of the harness: MDNS_BENCH=1, as root.
func TestLegacyLoadBench(t *testing.T) {
	reps := benchReps(t)
	if os.Getenv("MDNS_BENCH_REPS") == "" {
		reps = 3
	}
	opts := testlan.Options{Hosts: 1, Self: true, Binaries: []string{"./cmd/mdns-announce", "./internal/scalepeer", "./internal/hashipeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		const typ, n = "_bench._tcp", 100
		h1 := lan.Host(1)
		file := filepath.Join(t.TempDir(), "services.json")
		writeServices(t, file, typ, "Bench", n)
		queries := []struct {
			what  string
			name  string
			qtype uint16
		}{
			{"PTR " + typ + ".local.", typ + ".local.", typePTR},
			{"SRV of one instance", "Bench 0042." + typ + ".local.", 33},
		}
		servers := []struct {
			name    string
			ptrOnly bool // hashicorp/mdns matches names unescaped: "Bench\ 0042" is not its "Bench 0042"
			start   func() *testlan.Proc
		}{
			{"mdns-announce, 100 services", false, func() *testlan.Proc {
				p := h1.Start(t, lan.Bin("mdns-announce"), "--file", file, "--json", "--interface", h1.Iface)
				if _, ok := poll(60*time.Second, func() bool { return strings.Count(p.Output(), `"event":"registered"`) >= n }); !ok {
					t.Fatalf("not registered:\n%s", tail(p.Output(), 20))
				}
				return p
			}},
			{"scalepeer (package mdns), 100 services", false, func() *testlan.Proc {
				p := h1.Start(t, lan.Bin("scalepeer"), "-n", strconv.Itoa(n), "-type", typ, "-prefix", "Bench", "-iface", h1.Iface)
				if !p.WaitOutput(60*time.Second, `"event":"ready"`) {
					t.Fatalf("not ready:\n%s", tail(p.Output(), 20))
				}
				return p
			}},
			{"hashicorp/mdns Server, 1 service", true, func() *testlan.Proc {
				return h1.Start(t, lan.Bin("hashipeer"), "serve", "-instance", "Bench 0042", "-service", typ, "-port", "9000",
					"-host", "h1.local.", "-ip", h1.IPv4.String(), "-txt", "n=42", "-iface", h1.Iface)
			}},
			{"Go UDP server answering without reading (the floor)", false, func() *testlan.Proc {
				os.Setenv(echoEnv, h1.Iface)
				defer os.Unsetenv(echoEnv)
				return h1.Start(t, os.Args[0], "-test.run=^TestHelperLegacyEcho$")
			}},
		}
		type key struct{ server, query string }
		cpu, rss := map[key][]int{}, map[key][]int{}
		idle := map[string][]int{}
		for range reps {
			for _, srv := range servers {
				p := srv.start()
				time.Sleep(4 * time.Second) // past the announcements
				rss0, _ := procMem(p.Pid())
				idle[srv.name] = append(idle[srv.name], rss0)
				for i, q := range queries {
					if srv.ptrOnly && i > 0 {
						continue
					}
					us, peak := legacyLoad(t, p.Pid(), srv.name+": "+q.what, q.name, q.qtype, 1000, loadDuration)
					k := key{srv.name, q.what}
					cpu[k], rss[k] = append(cpu[k], us), append(rss[k], peak)
				}
				p.Stop(os.Interrupt, 10*time.Second)
			}
		}
		var b strings.Builder
		fmt.Fprintf(&b, "legacy unicast queries at 1000/s, %d runs each: responder CPU per query in µs and VmRSS in kB, median (min–max)\n", reps)
		for _, srv := range servers {
			fmt.Fprintf(&b, "  %s: idle VmRSS %s\n", srv.name, medianRange(idle[srv.name]))
			for i, q := range queries {
				if srv.ptrOnly && i > 0 {
					continue
				}
				k := key{srv.name, q.what}
				fmt.Fprintf(&b, "    %s: CPU %s µs, VmRSS peak %s\n", q.what, medianRange(cpu[k]), medianRange(rss[k]))
			}
		}
		t.Log(b.String())
	})
}

// medianRange formats "median (min–max)" of a sample.
func medianRange(xs []int) string {
	if len(xs) == 0 {
		return "no samples"
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	return fmt.Sprintf("%d (%d–%d)", s[(len(s)-1)/2], s[0], s[len(s)-1])
}

// echoEnv names the interface TestHelperLegacyEcho serves; unset, it skips.
const echoEnv = "MDNS_BENCH_ECHO_IFACE"

// TestHelperLegacyEcho is not a test: TestLegacyLoadBench runs this binary
// with echoEnv set as the floor of its comparison, a UDP server on the
// mDNS group that answers every datagram from another port with the same
// 510 bytes (the ID copied), until killed.
func TestHelperLegacyEcho(t *testing.T) {
	name := os.Getenv(echoEnv)
	if name == "" {
		t.Skip("a helper process for TestLegacyLoadBench")
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.ListenMulticastUDP("udp4", ifi, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: mdns.Port})
	if err != nil {
		t.Fatal(err)
	}
	reply := make([]byte, 510)
	reply[2], reply[7] = 0x84, 1 // a response with one answer, as far as the client looks
	buf := make([]byte, 9000)
	for {
		n, src, err := c.ReadFromUDP(buf)
		if err != nil {
			t.Fatal(err)
		}
		if n >= 2 && src.Port != mdns.Port {
			copy(reply, buf[:2])
			c.WriteToUDP(reply, src)
		}
	}
}

const loadDuration = 10 * time.Second

// legacyDst is where the load goes: the group, as legacy resolvers send.
var legacyDst = &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: mdns.Port}

// legacyLoad sends rate queries a second for d, logs the responder's CPU
// per query and its memory, and returns the CPU per query in µs and the
// peak VmRSS in kB.
func legacyLoad(t *testing.T, pid int, what, name string, qtype uint16, rate int, d time.Duration) (cpuUS, peakKB int) {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(10, 99, 0, 254)})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	dst := legacyDst
	var replies, bytes atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 9000)
		for {
			m, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			if m >= 12 && isResponse(buf[:m]) && ancount(buf[:m]) > 0 {
				replies.Add(1)
				bytes.Add(int64(m))
			}
		}
	}()
	stopRSS := make(chan struct{})
	var peakRSS atomic.Int64
	go func() {
		tk := time.NewTicker(100 * time.Millisecond)
		defer tk.Stop()
		for {
			select {
			case <-stopRSS:
				return
			case <-tk.C:
				if rss, _ := procMem(pid); int64(rss) > peakRSS.Load() {
					peakRSS.Store(int64(rss))
				}
			}
		}
	}()
	cpu0 := procCPU(t, pid)
	start := time.Now()
	total := int(d.Seconds()) * rate
	every := time.Second / time.Duration(rate)
	for i := range total {
		if wait := time.Until(start.Add(time.Duration(i) * every)); wait > 0 {
			time.Sleep(wait)
		}
		if _, err := conn.WriteToUDP(question(uint16(i+1), name, qtype, false), dst); err != nil {
			t.Fatal(err)
		}
	}
	sent := time.Since(start)
	time.Sleep(200 * time.Millisecond) // the last replies
	cpu := procCPU(t, pid) - cpu0
	close(stopRSS)
	conn.Close()
	<-done
	_, hwm := procMem(pid)
	perQuery := float64(cpu.Microseconds()) / float64(total)
	t.Logf("%s: %d queries in %v (%.0f/s), %d replies (%d B average); responder CPU %.1f µs per query; VmRSS peak %d kB, VmHWM %d kB",
		what, total, sent.Round(time.Millisecond), float64(total)/sent.Seconds(), replies.Load(),
		bytes.Load()/max(1, replies.Load()), perQuery, peakRSS.Load(), hwm)
	return int(perQuery + 0.5), int(peakRSS.Load())
}

// procCPU is a process's user + system CPU time (/proc/PID/stat, in
// USER_HZ ticks, 100 a second on Linux).
func procCPU(t *testing.T, pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // fields from 3 (state) on
	ut, _ := strconv.ParseInt(f[11], 10, 64)                 // field 14
	st, _ := strconv.ParseInt(f[12], 10, 64)                 // field 15
	return time.Duration(ut+st) * 10 * time.Millisecond
}

// procMem returns VmRSS and VmHWM of a process in kB (0 if unknown).
func procMem(pid int) (rss, hwm int) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}
