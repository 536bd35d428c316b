package mdns_test

import (
	"slices"
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
	link := newLink(t)
	win := listen(t, mdns.WindowsNetwork(link.AddHost("win"), pktinfo), both, family)
	_, peer := addHost(t, link, "peer", both, family)

	// The Windows host browses; the peer then registers, so the Windows
	// host can only learn of it from datagrams it receives.
	q := mdns.BrowseQuery{Type: "_http._tcp"}
	seenByWin := browseOn(t, win, q, time.Now(), nil)
	register(t, peer, mdns.Service{Instance: "Peer", Type: "_http._tcp", Port: 80})
	mdnstest.Advance(3 * time.Second)
	if got, want := slices.Contains(kinds(seenByWin.events()), "add Peer"), pktinfo; got != want {
		t.Errorf("the Windows host found the peer's service: %v, want %v", got, want)
	}

	// The Windows host registers, lets its announcements pass, and a host
	// that joins later asks: only an answer to its query can tell it.
	register(t, win, mdns.Service{Instance: "Win", Type: "_http._tcp", Port: 80})
	mdnstest.Advance(10 * time.Second)
	_, late := addHost(t, link, "late", both, family)
	seenByLate := browseOn(t, late, q, time.Now(), nil)
	mdnstest.Advance(3 * time.Second)
	if got, want := slices.Contains(kinds(seenByLate.events()), "add Win"), pktinfo; got != want {
		t.Errorf("the late host found the Windows host's service: %v, want %v (it was heard: %v)", got, want, kinds(seenByLate.events()))
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
