package mdns_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Scale on the virtual clock: hosts publishing hundreds or thousands of
// instances of one type, and a browser that starts once they are all
// established. Everything the browser can hear is resolved, within the
// time and packet budgets, and no datagram exceeds the MTU (RFC 6762
// §17). The numbers are exact for the seeded random source.

// scaleLink is a link whose hosts h1..hN each publish n instances of
// _bench._tcp over IPv4 and IPv6.
type scaleLink struct {
	link  *mdnstest.Link
	conns []*mdns.Conn
}

func newScaleLink(t *testing.T, hosts, n int) *scaleLink {
	t.Helper()
	l := &scaleLink{link: newLink(t, mdnstest.LinkConfig{LogSize: 1 << 20})}
	var regs []*mdns.Registration
	for i := 1; i <= hosts; i++ {
		_, c := addHost(t, l.link, fmt.Sprintf("h%d", i), both, seeded(uint64(i), 7))
		l.conns = append(l.conns, c)
		for j := range n {
			g, err := c.RegisterNoWait(mdns.Service{Instance: fmt.Sprintf("Bench h%d %04d", i, j), Type: "_bench._tcp",
				Port: uint16(9000 + j), Text: [][]byte{[]byte(fmt.Sprintf("n=%d", j))}})
			if err != nil {
				t.Fatal(err)
			}
			regs = append(regs, g)
		}
	}
	for _, g := range regs {
		if err := g.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mdnstest.Advance(5 * time.Second) // past the announcements
	return l
}

// browse starts a fresh Conn and Browse on a new host and records its
// events.
func (l *scaleLink) browse(t *testing.T) *recorder {
	t.Helper()
	_, c := addHost(t, l.link, "browser", both, seeded(99, 7))
	return browseOn(t, c, mdns.BrowseQuery{Type: "_bench._tcp"}, time.Now(), nil)
}

// firstAdds returns when each instance was first added, and every remove.
func firstAdds(evs []recorded) (added map[string]time.Duration, removed []string) {
	added = make(map[string]time.Duration)
	for _, ev := range evs {
		switch ev.Kind {
		case mdns.EventAdd:
			if _, ok := added[ev.Entry.Instance]; !ok {
				added[ev.Entry.Instance] = ev.at
			}
		case mdns.EventRemove:
			removed = append(removed, ev.Entry.Instance)
		}
	}
	return added, removed
}

// lastAdd is when the last instance was added, and how many were.
func lastAdd(added map[string]time.Duration) (time.Duration, int) {
	var last time.Duration
	for _, at := range added {
		last = max(last, at)
	}
	return last, len(added)
}

// packets counts the datagrams on the link in [from, to], and those over
// the MTU of the link (1500).
func (l *scaleLink) packets(from, to time.Time) (n, overMTU int) {
	for _, p := range l.link.Packets() {
		if p.Time.Before(from) || p.Time.After(to) {
			continue
		}
		n++
		if p.OverMTU {
			overMTU++
		}
	}
	return n, overMTU
}

func (l *scaleLink) overMTU() int {
	_, over := l.packets(time.Time{}, time.Now().Add(time.Hour))
	return over
}

func testScale(t *testing.T, hosts, each int, within time.Duration, maxPackets int) {
	synctest.Test(t, func(t *testing.T) {
		l := newScaleLink(t, hosts, each)
		if over := l.overMTU(); over != 0 {
			t.Errorf("%d datagrams over the MTU while %d services were probed and announced", over, hosts*each)
		}
		b := l.browse(t)
		mdnstest.Advance(within)
		added, removed := firstAdds(b.events())
		last, n := lastAdd(added)
		pkts, over := l.packets(b.start, b.start.Add(last))
		t.Logf("%d of %d instances by %v, the last at %v; %d datagrams until then; link %+v", n, hosts*each, within, last, pkts, l.link.Stats())
		if n != hosts*each {
			t.Errorf("%d of %d instances seen within %v", n, hosts*each, within)
		}
		if pkts > maxPackets {
			t.Errorf("%d datagrams on the link until the last add, budget %d", pkts, maxPackets)
		}
		if over != 0 {
			t.Errorf("%d datagrams over the MTU", over)
		}
		// Nothing is lost afterwards either.
		mdnstest.Advance(30 * time.Second)
		added, removed = firstAdds(b.events())
		if len(removed) > 0 {
			t.Errorf("%d removes, the first %q", len(removed), removed[0])
		}
		if len(added) != hosts*each {
			t.Errorf("%d of %d instances seen after 30 s more", len(added), hosts*each)
		}
	})
}

// Deliverable of issue 13: 1000 instances on one host, a fresh browser
// sees them all within 1.5 s with at most 500 datagrams on the link.
func TestScaleThousandOnOneHost(t *testing.T) { testScale(t, 1, 1000, 1500*time.Millisecond, 500) }

// 1000 instances over 10 hosts: within 1.5 s, at most 1000 datagrams.
func TestScaleThousandOverTenHosts(t *testing.T) { testScale(t, 10, 100, 1500*time.Millisecond, 1000) }

// 5000 instances on one host: all of them, within the default cache
// bound (MaxCacheRecords).
func TestScaleFiveThousandOnOneHost(t *testing.T) {
	if testing.Short() || raceOn {
		t.Skip("5000 instances: not in -short or -race")
	}
	testScale(t, 1, 5000, 1500*time.Millisecond, 1000)
}

// Deliverable 5 of issue 13: 1000 services published on one Conn with
// RegisterNoWait — no goroutine of the caller's each — are established within
// 1.5 s: a random wait of at most 250 ms, three probes 250 ms apart and
// the announcement (RFC 6762 §8.1, §8.3), the probes split over datagrams
// that fit the MTU (§17).
func TestRegisterNoWaitThousandReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t, mdnstest.LinkConfig{LogSize: 1 << 16})
		_, c := addHost(t, link, "h1", both)
		var err error
		start := time.Now()
		g0 := runtime.NumGoroutine()
		regs := make([]*mdns.Registration, 1000)
		for i := range regs {
			if regs[i], err = c.RegisterNoWait(mdns.Service{Instance: fmt.Sprintf("Svc %d", i), Type: "_x._tcp", Port: 80}); err != nil {
				t.Fatal(err)
			}
		}
		if g := runtime.NumGoroutine(); g != g0 {
			t.Errorf("%d goroutines after 1000 RegisterNoWait calls, %d before", g, g0)
		}
		var last time.Duration
		for _, g := range regs {
			select {
			case <-g.Ready():
			case <-time.After(10 * time.Second):
				t.Fatal("not established within 10 s")
			}
			last = max(last, time.Since(start))
			if g.Err() != nil {
				t.Fatal(g.Err())
			}
		}
		if last > 1500*time.Millisecond {
			t.Errorf("the last of 1000 established after %v, budget 1.5 s", last)
		}
		over := 0
		for _, p := range link.Packets() {
			if p.OverMTU {
				over++
			}
		}
		t.Logf("1000 established after %v; %d datagrams, %d over the MTU", last, len(link.Packets()), over)
		if over != 0 {
			t.Errorf("%d datagrams over the MTU", over)
		}
	})
}
