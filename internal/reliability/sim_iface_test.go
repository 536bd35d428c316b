package reliability

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/internal/reliability/dnswire"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Interfaces that flap (issue 17 §4), exact on the virtual clock. Host a
// publishes "svc-a" and browses; host b publishes "svc-b" and browses; host
// c starts mDNS and browses while a's link is down, a peer that has never
// heard a. Then a's interface goes down and comes back, or changes its address,
// or both. RFC 6762 §8: a link change restarts probing and announcing on
// it; §10.2: the cache-flush bit of the announcements replaces what peers
// cached; §10.1: an address given up gets a goodbye.
//
// Checked: a probes again within 250 ms of the link coming back (§8.1's
// random delay) and announces within 1 s; every browser shows both
// services within 1 s of it; b removes svc-a only while a is away (by
// POOF, §10.5: c's queries go unanswered); and at the end every browser's entry
// of each service carries exactly the addresses its host has now, and no
// peer resolves a's old address to a's name.

const (
	ifaceAnnounceWithin = time.Second
	ifaceProbeWithin    = 250 * time.Millisecond // RFC 6762 §8.1
	ifaceSeenWithin     = time.Second
)

type ifaceCase struct {
	name string
	down time.Duration // how long a's link is down (0: stays up)
	// renumber gives a's eth0 another IPv4 address (while down, if down).
	renumber bool
}

func TestSimInterfaces(t *testing.T) {
	for _, tc := range []ifaceCase{
		{name: "down-up", down: 5 * time.Second},
		{name: "suspend-30s", down: 30 * time.Second},
		{name: "address-change", renumber: true},
		{name: "move-while-down", down: 10 * time.Second, renumber: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) { runIfaceCase(t, tc) })
		})
	}
}

// ifaceView is what one browser shows: instance → entry.
type ifaceView struct {
	mu      sync.Mutex
	shown   map[string]mdns.ServiceEntry
	added   map[string][]time.Time // every add (and update) of an instance
	removed map[string][]time.Time
}

func newIfaceView() *ifaceView {
	return &ifaceView{shown: map[string]mdns.ServiceEntry{}, added: map[string][]time.Time{}, removed: map[string][]time.Time{}}
}

func (v *ifaceView) event(ev mdns.BrowseEvent) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	switch ev.Kind {
	case mdns.EventAdd, mdns.EventUpdate:
		v.shown[ev.Entry.Instance] = ev.Entry
		v.added[ev.Entry.Instance] = append(v.added[ev.Entry.Instance], time.Now())
	case mdns.EventRemove:
		delete(v.shown, ev.Entry.Instance)
		v.removed[ev.Entry.Instance] = append(v.removed[ev.Entry.Instance], time.Now())
	}
	return nil
}

// seenSince is when the browser last showed instance with want's
// addresses, first reached at or after from; zero if it does not now.
func (v *ifaceView) seenSince(instance string, from time.Time) time.Time {
	v.mu.Lock()
	defer v.mu.Unlock()
	if _, ok := v.shown[instance]; !ok {
		return time.Time{}
	}
	for _, at := range v.added[instance] {
		if !at.Before(from) {
			return at
		}
	}
	return from // shown all along
}

func (v *ifaceView) snapshot() map[string]mdns.ServiceEntry {
	v.mu.Lock()
	defer v.mu.Unlock()
	return maps.Clone(v.shown)
}

func runIfaceCase(t *testing.T, tc ifaceCase) {
	link := mdnstest.NewLink(mdnstest.LinkConfig{Seed: 17})
	defer link.Close()
	ha, hb, hc := link.AddHost("a"), link.AddHost("b"), link.AddHost("c")
	defer ha.Close()
	defer hb.Close()
	defer hc.Close()
	listen := func(h *mdnstest.Host, seed uint64) *mdns.Conn {
		c, err := mdns.Listen(mdns.Config{Network: h, Rand: rand.New(rand.NewPCG(17, seed))})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	ca, cb := listen(ha, 1), listen(hb, 2)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	browse := func(c *mdns.Conn) *ifaceView {
		v := newIfaceView()
		wg.Go(func() {
			if err := c.Browse(ctx, mdns.BrowseQuery{Type: simType}, v.event); err != nil && ctx.Err() == nil {
				t.Errorf("browse: %v", err)
			}
		})
		return v
	}
	for c, name := range map[*mdns.Conn]string{ca: "svc-a", cb: "svc-b"} {
		if _, err := c.Register(ctx, mdns.Service{Instance: name, Type: simType, Port: 9000}); err != nil {
			t.Fatal(err)
		}
	}
	va, vb := browse(ca), browse(cb)
	mdnstest.Advance(10 * time.Second) // past every announcement

	oldV4 := v4Prefix(t, ha)
	newV4 := netip.PrefixFrom(oldV4.Addr().Next().Next().Next(), oldV4.Bits())
	tDown := time.Now()
	if tc.down > 0 {
		if err := ha.SetUp("eth0", false); err != nil {
			t.Fatal(err)
		}
	}
	mdnstest.Advance(time.Second)
	cc := listen(hc, 3) // a peer that has never heard a
	vc := browse(cc)
	if tc.renumber {
		// As DHCP renumbers: the new address first, then the old one goes.
		if err := ha.AddPrefix("eth0", newV4); err != nil {
			t.Fatal(err)
		}
		if err := ha.RemovePrefix("eth0", oldV4); err != nil {
			t.Fatal(err)
		}
	}
	mdnstest.Advance(max(tc.down-time.Second, 0))
	tUp := time.Now()
	if tc.down > 0 {
		if err := ha.SetUp("eth0", true); err != nil {
			t.Fatal(err)
		}
	}
	mdnstest.Advance(15 * time.Second)

	// What a sent after the link came back (or the address changed).
	firstProbe, firstAnn := time.Time{}, time.Time{}
	probes, anns := 0, 0
	instName := "svc-a." + simType + ".local."
	for _, p := range link.Packets() {
		if p.Host != "a" || p.Time.Before(tUp) {
			continue
		}
		m, err := dnswire.Parse(p.Data)
		if err != nil {
			t.Fatalf("a sent a malformed packet: %v", err)
		}
		switch {
		case !m.Response() && slices.ContainsFunc(m.Ns, func(r dnswire.Record) bool { return r.Name == strings.ToLower(instName) }):
			probes++
			if firstProbe.IsZero() {
				firstProbe = p.Time
			}
		case m.Response() && p.Dst.Addr().IsMulticast() && !m.Goodbye() &&
			slices.ContainsFunc(m.Answer, func(r dnswire.Record) bool { return r.Name == strings.ToLower(instName) && r.Type == 33 }):
			anns++
			if firstAnn.IsZero() {
				firstAnn = p.Time
			}
		}
	}
	t.Logf("%s: link back at +%v; probes %d (first +%v), announcements %d (first +%v)", tc.name,
		tUp.Sub(tDown), probes, since(firstProbe, tUp), anns, since(firstAnn, tUp))
	if tc.down > 0 {
		// RFC 6762 §8: the link came back, so a probes again.
		if probes == 0 || firstProbe.Sub(tUp) > ifaceProbeWithin {
			t.Errorf("first probe after the link came back: %v (want within %v)", since(firstProbe, tUp), ifaceProbeWithin)
		}
	}
	if anns == 0 || firstAnn.Sub(tUp) > ifaceAnnounceWithin {
		t.Errorf("first announcement: %v after the change (want within %v)", since(firstAnn, tUp), ifaceAnnounceWithin)
	}

	// Every browser sees both services again, soon.
	for bn, v := range map[string]*ifaceView{"a": va, "b": vb, "c": vc} {
		for _, inst := range []string{"svc-a", "svc-b"} {
			at := v.seenSince(inst, tUp)
			t.Logf("%s: browser %s shows %s at +%s", tc.name, bn, inst, since(at, tUp))
			if at.IsZero() || at.Sub(tUp) > ifaceSeenWithin {
				t.Errorf("browser %s: %s shown %v after the change (want within %v)", bn, inst, since(at, tUp), ifaceSeenWithin)
			}
		}
	}
	// b loses a only while a is away, and only by POOF (RFC 6762 §10.5:
	// c's queries went unanswered), never by expiry: a was away for less
	// than its records' lifetime.
	for _, at := range vb.removed["svc-a"] {
		if tc.down == 0 || at.Before(tDown) || at.After(tUp) {
			t.Errorf("browser b removed svc-a at +%v, not while a was away", at.Sub(tDown))
		}
	}
	t.Logf("%s: b removed svc-a %d times while a was away (POOF)", tc.name, len(vb.removed["svc-a"]))

	// Nothing stale: every browser's entries carry exactly the hosts'
	// addresses now.
	want := map[string][]netip.Addr{"svc-a": hostAddrs(ha), "svc-b": hostAddrs(hb)}
	for bn, v := range map[string]*ifaceView{"a": va, "b": vb, "c": vc} {
		got := v.snapshot()
		if len(got) != 2 {
			t.Errorf("browser %s shows %d services: %v", bn, len(got), slices.Sorted(maps.Keys(got)))
		}
		for inst, e := range got {
			if g := unzoned(e.Addrs); !slices.Equal(g, want[inst]) {
				t.Errorf("browser %s: %s at %v, want %v", bn, inst, g, want[inst])
			}
		}
	}
	// No peer still maps a's old address to a's name (its reverse PTR got
	// a goodbye or was flushed).
	if tc.renumber {
		for pn, c := range map[string]*mdns.Conn{"b": cb, "c": cc} {
			lctx, lcancel := context.WithTimeout(ctx, 3*time.Second)
			names, err := c.LookupAddr(lctx, oldV4.Addr())
			lcancel()
			if err == nil && len(names) > 0 {
				t.Errorf("peer %s still resolves a's old address %v to %v", pn, oldV4.Addr(), names)
			}
			addrs, err := c.LookupHost(ctx, "a.local")
			if err != nil || slices.Contains(addrs, oldV4.Addr()) {
				t.Errorf("peer %s resolves a.local to %v (%v); the old address %v is stale", pn, addrs, err, oldV4.Addr())
			}
		}
	}
}

func v4Prefix(t *testing.T, h *mdnstest.Host) netip.Prefix {
	ifs, err := h.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range ifs {
		if it.Name != "eth0" {
			continue
		}
		for _, p := range it.Prefixes {
			if p.Addr().Is4() {
				return p
			}
		}
	}
	t.Fatal("no IPv4 address on eth0")
	return netip.Prefix{}
}

// hostAddrs is h's eth0 addresses, without zones, sorted.
func hostAddrs(h *mdnstest.Host) []netip.Addr {
	return unzoned(h.Addrs("eth0"))
}

func unzoned(as []netip.Addr) []netip.Addr {
	out := make([]netip.Addr, 0, len(as))
	for _, a := range as {
		out = append(out, a.WithZone(""))
	}
	slices.SortFunc(out, netip.Addr.Compare)
	return slices.Compact(out)
}

// since formats at-from, or "never".
func since(at, from time.Time) string {
	if at.IsZero() {
		return "never"
	}
	return fmt.Sprint(at.Sub(from))
}
