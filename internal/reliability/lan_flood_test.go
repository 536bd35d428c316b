package reliability

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/reliability/dnswire"
	"github.com/mdnskit/mdnskit/internal/reliability/procstat"
	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/mdnskit/mdnskit/mdns"
)

// Floods (issue 17 §3). h2 publishes legitimate services (mdns-announce
// --file); relpeer browsers on h3 and h4 watch their type and report
// cache, memory and CPU every second. h1 (internal/floodpeer, forged
// on-link sources from 10.99.0.128/25 through a raw socket, so they pass
// the on-link check of RFC 6762 §11 and look like 126 hosts) multicasts
// MDNS_REL_FLOOD_ANNOUNCEMENTS distinct instances of the same type and,
// at the same time, MDNS_REL_FLOOD_QPS queries a second for the legitimate
// services (half for the type's PTR, half for one instance), for
// MDNS_REL_FLOOD_DURATION. The issue 13 test (mdns/lan_flood_test.go)
// shows that no flood can flush a service; this one measures.
//
// Checked: each browser's cache stays at or under its bound and reaches
// it (the flood did fill it); its peak RSS stays under
// MDNS_REL_FLOOD_MAX_RSS_KB; no browser ever removes a legitimate service
// and each still shows all of them after the flood; h2 multicasts no
// record more than once a second on its interface (RFC 6762 §6), counted
// in a capture taken inside h2's namespace. h2's CPU and memory are
// reported, and what the kernel dropped on each host's mDNS sockets (the
// share of the flood a process was too slow to read).
func TestLANFlood(t *testing.T) {
	form := scenario(t, "flood")
	dur := form.duration("FLOOD_DURATION", 10*time.Second, 60*time.Second)
	anns := form.int("FLOOD_ANNOUNCEMENTS", 20_000, 100_000)
	qps := form.int("FLOOD_QPS", 2_000, 10_000)
	maxRSS := form.int("FLOOD_MAX_RSS_KB", 64<<10, 64<<10)
	const typ, legitN = "_flood._tcp", 4
	testlan.NeedTools(t, "dumpcap", "tshark")
	opts := testlan.Options{Hosts: 4, Binaries: []string{"./cmd/mdns-announce", "./internal/floodpeer", "./internal/reliability/relpeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		h1, h2 := lan.Host(1), lan.Host(2)
		var legit, list []string
		for i := range legitN {
			legit = append(legit, fmt.Sprintf("Legit %d", i+1))
			list = append(list, fmt.Sprintf(`{"instance":%q,"service":%q,"port":%d,"txt":["k=v"]}`, legit[i], typ, 8000+i))
		}
		file := filepath.Join(lan.LogDir(), "legit.json")
		if err := os.WriteFile(file, []byte("["+strings.Join(list, ",")+"]"), 0o644); err != nil {
			t.Fatal(err)
		}
		ann := h2.Start(t, lan.Bin("mdns-announce"), "--file", file, "--json")
		if !ann.WaitOutput(30*time.Second, `"event":"registered"`) {
			t.Fatalf("h2 did not register:\n%s", ann.Output())
		}
		var peers []*relBrowser
		for _, i := range []int{3, 4} {
			peers = append(peers, startRelBrowser(t, lan, lan.Host(i), "-type", typ, "-stats", "1s"))
		}
		// Past the announcements (0, 1, 3, 7 s) and the browsers' first
		// queries: what h2 sends from here is answers to the flood.
		time.Sleep(10 * time.Second)
		for i, b := range peers {
			if v := viewOf(b); !containsAll(v, legit) {
				t.Fatalf("browser %d sees %q before the flood, want %q", i+1, v, legit)
			}
		}
		stopCap := captureFrom(t, lan, h2)
		hosts := []*testlan.Host{h2, lan.Host(3), lan.Host(4)}
		drops0 := udpDrops(t, hosts)
		cpu0, rss0 := procstat.CPUSeconds(ann.Pid()), procstat.RSSKB(ann.Pid())
		t0 := time.Now()

		spoof := []string{"-spoof", "10.99.0.128/25", "-iface", h1.Iface, "-duration", dur.String()}
		// Paced to end a little before the deadline floodpeer stops at.
		rate := max(1, int(math.Ceil(float64(anns)/(0.95*dur.Seconds()))))
		floods := []*testlan.Proc{
			h1.Start(t, lan.Bin("floodpeer"), append([]string{"responses", "-type", typ, "-count", strconv.Itoa(anns),
				"-rate", strconv.Itoa(rate), "-host", "flood.local.", "-addr", "10.99.0.200"}, spoof...)...),
		}
		perQ := int(float64(qps/2) * dur.Seconds())
		for _, q := range [][]string{{"-name", typ + ".local.", "-qtype", "12"}, {"-name", legit[0] + "." + typ + ".local.", "-qtype", "255"}} {
			floods = append(floods, h1.Start(t, lan.Bin("floodpeer"), append(append([]string{"queries"}, q...),
				append([]string{"-count", strconv.Itoa(perQ), "-rate", strconv.Itoa(qps / 2)}, spoof...)...)...))
		}
		for _, p := range floods {
			if !p.WaitOutput(dur+30*time.Second, `"event":"done"`) {
				t.Fatalf("a flood did not finish:\n%s", p.Output())
			}
		}
		floodTime := time.Since(t0)
		cpu1, rss1 := procstat.CPUSeconds(ann.Pid()), procstat.RSSKB(ann.Pid())
		drops1 := udpDrops(t, hosts)
		drops := map[string]int{}
		for i, h := range hosts {
			drops[h.Name] = drops1[i] - drops0[i]
		}
		time.Sleep(5 * time.Second) // the last answers, and a stats line
		capPath := stopCap()
		peak := peaks(peers, t0)
		final := snapshots(peers)

		// RFC 6762 §6: a record is multicast on an interface at most once a
		// second (per group: the queries came over IPv4 only).
		rl := answerRates(t, testlan.ReadCapture(t, capPath), t0)

		var removes []string
		views := make([][]string, len(peers))
		for i, b := range peers {
			evs, v := browseEvents(b.tail.lines(), i)
			views[i] = v
			for _, ev := range evs {
				if ev.kind == mdns.EventRemove && slices.Contains(legit, ev.instance) {
					removes = append(removes, fmt.Sprintf("browser %d removed %q at +%v", i+1, ev.instance, ev.at.Sub(t0).Round(time.Millisecond)))
				}
			}
		}
		var announced, queried int
		var qSeconds float64
		for i, p := range floods {
			n, secs := doneSent(p.Output())
			if i == 0 {
				announced = n
			} else {
				queried += n
				qSeconds = max(qSeconds, secs)
			}
		}
		cpuSec := cpu1 - cpu0
		fig := map[string]any{
			"seconds": floodTime.Seconds(), "announcementsSent": announced, "queriesSent": queried,
			"queriesPerSecond": float64(queried) / qSeconds,
			"browsers":         peak, "browsersAfter": final,
			"responderCPUSeconds": cpuSec, "responderCPUPct": 100 * cpuSec / floodTime.Seconds(),
			"responderRSSKBBefore": rss0, "responderRSSKBAfter": rss1,
			"answerPackets": rl.packets, "answerRecords": rl.records, "distinctRecords": rl.distinct,
			"maxPerRecordPerSecond": rl.maxPerSecond, "minGapMs": ms(rl.minGap), "tooSoon": len(rl.tooSoon),
			"legitRemoves": len(removes), "kernelDrops": drops,
		}
		figures(t, form, "flood", fig)

		for _, r := range removes {
			t.Error(r)
		}
		for i, v := range views {
			if !containsAll(v, legit) {
				t.Errorf("after the flood browser %d shows %d services, not every legitimate one: %q", i+1, len(v), missingOf(v, legit))
			}
		}
		for i, p := range peak {
			if p.CacheBound == 0 || p.Cache > p.CacheBound {
				t.Errorf("browser %d: %d records cached, bound %d", i+1, p.Cache, p.CacheBound)
			}
			if p.Cache < p.CacheBound*9/10 {
				t.Errorf("browser %d: the flood filled its cache to %d of %d records only: it tested no bound", i+1, p.Cache, p.CacheBound)
			}
			if p.RSSKB > maxRSS {
				t.Errorf("browser %d: VmRSS peaked at %d kB, over %d kB", i+1, p.RSSKB, maxRSS)
			}
		}
		if announced < anns {
			t.Errorf("the announcement flood fell short: %d of %d", announced, anns)
		}
		if float64(queried) < 0.9*float64(qps)*dur.Seconds() {
			t.Errorf("the query flood fell short: %d queries in %v, want %d/s", queried, floodTime, qps)
		}
		if rl.records == 0 {
			t.Error("h2 answered none of the queries: the rate limit was not tested")
		}
		for _, s := range rl.tooSoon {
			t.Errorf("multicast again within a second: %s", s)
		}
		if strings.Contains(ann.Output(), `"renamed"`) {
			t.Errorf("h2 renamed a service under the flood:\n%s", ann.Output())
		}
	})
}

// captureFrom records, inside h's own namespace, the mDNS packets h
// sends (dumpcap on its interface, outgoing only by source address), and
// returns the function that stops it and returns the file.
func captureFrom(t *testing.T, lan *testlan.LAN, h *testlan.Host) (stop func() string) {
	t.Helper()
	path := filepath.Join(lan.LogDir(), h.Name+"-sent.pcapng")
	var srcs []string
	for _, a := range []fmt.Stringer{h.IPv4, h.IPv6, h.LinkLocal} {
		srcs = append(srcs, "src host "+a.String())
	}
	filter := "udp src port 5353 and (" + strings.Join(srcs, " or ") + ")"
	p := h.Start(t, "dumpcap", "-n", "-q", "-i", h.Iface, "-f", filter, "-w", path)
	for end := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if fi, err := os.Stat(path); err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(end) || p.Exited() {
			t.Fatalf("dumpcap on %s did not start:\n%s", h.Name, p.Output())
		}
	}
	time.Sleep(300 * time.Millisecond) // dumpcap writes the header before the first block is armed
	return func() string {
		time.Sleep(time.Second) // the last block
		if err := p.Stop(os.Interrupt, 5*time.Second); err != nil {
			t.Logf("dumpcap: %v", err)
		}
		return path
	}
}

// rateReport is how often h2 multicast each record.
type rateReport struct {
	packets, records, distinct int
	maxPerSecond               int           // most copies of one record in any 1-s window
	minGap                     time.Duration // shortest time between two copies of one record
	tooSoon                    []string
}

// answerRates checks RFC 6762 §6's one-second rule on the multicast
// responses sent from from on: per group, per record (owner, type, data).
// Goodbyes and probe defences are exempt from it; the flood causes
// neither, so none is excused. The capture's clock is the kernel's
// receive stamp, a few µs from the send: 1 ms of slack covers it.
func answerRates(t *testing.T, ds []testlan.Datagram, from time.Time) rateReport {
	t.Helper()
	const slack = time.Millisecond
	var r rateReport
	last := map[string][]time.Time{}
	for _, d := range ds {
		if d.Time.Before(from) || !d.Dst.Addr().IsMulticast() {
			continue
		}
		m, err := dnswire.Parse(d.Payload)
		if err != nil {
			t.Errorf("h2 sent a malformed packet: %v", err)
			continue
		}
		if !m.Response() {
			continue
		}
		r.packets++
		for _, rec := range m.Records() {
			r.records++
			k := d.Dst.Addr().String() + " " + rec.Key()
			last[k] = append(last[k], d.Time)
		}
	}
	r.distinct = len(last)
	r.minGap = -1
	for k, ts := range last {
		slices.SortFunc(ts, func(a, b time.Time) int { return a.Compare(b) })
		for i, at := range ts {
			if i > 0 {
				gap := at.Sub(ts[i-1])
				if r.minGap < 0 || gap < r.minGap {
					r.minGap = gap
				}
				if gap < time.Second-slack && len(r.tooSoon) < 20 {
					r.tooSoon = append(r.tooSoon, fmt.Sprintf("%s after %v", k, gap))
				}
			}
			n := 0
			for _, b := range ts[i:] {
				if b.Sub(at) >= time.Second-slack {
					break
				}
				n++
			}
			r.maxPerSecond = max(r.maxPerSecond, n)
		}
	}
	if r.minGap < 0 {
		r.minGap = 0
	}
	return r
}

// viewOf is what a relpeer browser shows now.
func viewOf(b *relBrowser) []string {
	_, v := browseEvents(b.tail.lines(), 0)
	return v
}

func containsAll(have, want []string) bool { return len(missingOf(have, want)) == 0 }

func missingOf(have, want []string) []string {
	var out []string
	for _, w := range want {
		if !slices.Contains(have, w) {
			out = append(out, w)
		}
	}
	return out
}

// doneSent is the "sent" and "seconds" of a floodpeer's done line.
func doneSent(out string) (int, float64) {
	for _, p := range parse(linesOf(out)) {
		if p.Event == "done" {
			return int(p.Sent), p.Seconds
		}
	}
	return 0, 0
}

// udpDrops returns, per host, the datagrams the kernel dropped on its
// port-5353 sockets so far (full receive buffers: what a process too slow
// for the flood never read), from /proc/net/udp and udp6 in the host's
// namespace.
func udpDrops(t *testing.T, hosts []*testlan.Host) []int {
	t.Helper()
	out := make([]int, len(hosts))
	for i, h := range hosts {
		txt, err := h.Run(t, 10*time.Second, "cat", "/proc/net/udp", "/proc/net/udp6")
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(txt, "\n") {
			f := strings.Fields(l)
			// sl local_address rem_address st ... drops (last)
			if len(f) < 13 || !strings.HasSuffix(f[1], ":14E9") {
				continue
			}
			n, _ := strconv.Atoi(f[len(f)-1])
			out[i] += n
		}
	}
	return out
}
