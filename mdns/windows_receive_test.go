package mdns_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// What a Conn does with datagrams as Windows delivers them, on the virtual
// link: through mdns.WindowsNetwork each datagram reaches the Conn as a
// payload, a source and WSARecvMsg's control bytes, decoded by the real
// Windows receive path. With IP_PKTINFO the host answers queries and hears
// answers in both families; without it (no control data, interface 0,
// which is all x/net gives on Windows) it answers nothing and caches
// nothing, because a datagram whose interface is unknown cannot be checked
// as on-link (RFC 6762 §11), and counts each one.
func TestWindowsReceivePath(t *testing.T) {
	for _, fam := range []struct {
		name string
		cfg  func(*mdns.Config)
	}{
		{"IPv4", func(c *mdns.Config) { c.DisableIPv6 = true }},
		{"IPv6", func(c *mdns.Config) { c.DisableIPv4 = true }},
	} {
		for _, pktinfo := range []bool{true, false} {
			name := fam.name + "/no control data"
			if pktinfo {
				name = fam.name + "/IP_PKTINFO"
			}
			t.Run(name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) { winScenario(t, fam.cfg, pktinfo) })
			})
		}
	}
}

func winScenario(t *testing.T, family func(*mdns.Config), pktinfo bool) {
	link := mdnstest.NewLink(mdnstest.LinkConfig{})
	defer link.Close()
	listen := func(n mdns.Network) *mdns.Conn {
		cfg := mdns.Config{Network: n}
		family(&cfg)
		c, err := mdns.Listen(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	win := listen(mdns.WindowsNetwork(link.AddHost("win"), pktinfo))
	peer := listen(link.AddHost("peer"))

	// The Windows host browses; the peer then registers, so the Windows
	// host can only learn of it from datagrams it receives.
	seenByWin := winBrowse(t, win)
	register := func(c *mdns.Conn, name string) {
		if _, err := c.Register(context.Background(), mdns.Service{Instance: name, Type: "_http._tcp", Port: 80}); err != nil {
			t.Fatal(err)
		}
	}
	register(peer, "Peer")
	mdnstest.Advance(3 * time.Second)
	if got, want := slices.Contains(seenByWin(), "Peer"), pktinfo; got != want {
		t.Errorf("the Windows host found the peer's service: %v, want %v", got, want)
	}

	// The Windows host registers, lets its announcements pass, and a host
	// that joins later asks: only an answer to its query can tell it.
	register(win, "Win")
	mdnstest.Advance(10 * time.Second)
	late := listen(link.AddHost("late"))
	seenByLate := winBrowse(t, late)
	mdnstest.Advance(3 * time.Second)
	if got, want := slices.Contains(seenByLate(), "Win"), pktinfo; got != want {
		t.Errorf("the late host found the Windows host's service: %v, want %v (it was heard: %v)", got, want, seenByLate())
	}

	st := win.Stats()
	if pktinfo {
		if st.DroppedUnknownIf != 0 || st.Queries == 0 || st.Responses == 0 {
			t.Errorf("stats %+v: want queries and responses processed, none from an unknown interface", st)
		}
	} else if st.DroppedUnknownIf == 0 || st.Queries != 0 || st.Responses != 0 {
		t.Errorf("stats %+v: want every datagram dropped as from an unknown interface", st)
	}
}

// winBrowse browses _http._tcp on c until the test ends and returns the
// instances added so far.
func winBrowse(t *testing.T, c *mdns.Conn) func() []string {
	ctx, cancel := context.WithCancel(context.Background())
	var (
		mu    sync.Mutex
		names []string
	)
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Browse(ctx, mdns.BrowseQuery{Type: "_http._tcp"}, func(ev mdns.BrowseEvent) error {
			mu.Lock()
			defer mu.Unlock()
			if ev.Kind == mdns.EventAdd {
				names = append(names, ev.Entry.Instance)
			}
			return nil
		})
	}()
	t.Cleanup(func() { cancel(); <-done })
	return func() []string {
		synctest.Wait()
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(names)
	}
}
