package mdns_test

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// End to end on the simulated link: a service registered on h1 is found
// by a browser on h2 (and on h1 itself) with host, port, TXT and every
// address; deregistration is a remove a second later; an update of TXT
// and port is an update.
func TestBrowseEndToEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c1, c2 := twoHosts(t)

		start := time.Now()
		type rec struct {
			at time.Duration
			ev mdns.BrowseEvent
		}
		watch := func(c *mdns.Conn) (func() []rec, context.CancelFunc, chan struct{}) {
			ctx, cancel := context.WithCancel(context.Background())
			var evs []rec
			done := make(chan struct{})
			go func() {
				defer close(done)
				c.Browse(ctx, mdns.BrowseQuery{Type: "_http._tcp"}, func(ev mdns.BrowseEvent) error {
					evs = append(evs, rec{time.Since(start), ev})
					return nil
				})
			}()
			return func() []rec { synctest.Wait(); return slices.Clone(evs) }, cancel, done
		}
		remote, stop2, done2 := watch(c2)
		local, stop1, done1 := watch(c1)
		defer func() { stop1(); stop2(); <-done1; <-done2 }()

		reg, err := c1.Register(context.Background(), mdns.Service{
			Instance: "Café Web", Type: "_http._tcp", Port: 8080, Text: [][]byte{[]byte("v=1")},
		})
		if err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(3 * time.Second)
		for who, evs := range map[string][]rec{"h2": remote(), "h1": local()} {
			if len(evs) != 1 || evs[0].ev.Kind != mdns.EventAdd {
				t.Fatalf("%s: events %v, want one add", who, evs)
			}
			en := evs[0].ev.Entry
			want := []netip.Addr{
				netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fe80::1%eth0"),
			}
			if en.Instance != "Café Web" || en.Host != "h1.local" || en.Port != 8080 ||
				fmt.Sprintf("%q", en.Text) != `["v=1"]` || !slices.Equal(en.Addrs, want) {
				t.Errorf("%s: entry %+v", who, en)
			}
		}

		if err := reg.Update(context.Background(), [][]byte{[]byte("v=2")}, 8081); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(3 * time.Second)
		evs := remote()
		if last := evs[len(evs)-1]; last.ev.Kind != mdns.EventUpdate || last.ev.Entry.Port != 8081 ||
			string(last.ev.Entry.Text[0]) != "v=2" {
			t.Errorf("after Update: %+v", evs)
		}

		bye := time.Since(start)
		if err := reg.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(3 * time.Second)
		evs = remote()
		last := evs[len(evs)-1]
		if last.ev.Kind != mdns.EventRemove {
			t.Fatalf("after Deregister: %+v", evs)
		}
		if d := last.at - bye; d < time.Second || d > 1500*time.Millisecond {
			t.Errorf("remove %v after Deregister, want about 1 s (goodbye + §10.1 second)", d)
		}
	})
}

// go-micro names its service list entries "<service>._services.<domain>."
// with the dots of the service name separating labels. DottedInstance
// publishes that wire form; DottedInstance reads it back; a plain browse
// ignores such names, as DNS-SD instances are one label (RFC 6763 §4.1).
func TestBrowseDottedInstances(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link, c1, c2 := twoHosts(t)
		if _, err := c1.Register(context.Background(), mdns.Service{
			Instance: "go.micro.srv.greeter", Type: "_services", Domain: "micro", Port: 9999, DottedInstance: true,
		}); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range link.Packets() {
			if bytes.Contains(p.Data, []byte("\x02go\x05micro\x03srv\x07greeter\x09_services\x05micro\x00")) {
				found = true
			}
		}
		if !found {
			t.Fatal("no packet carries go.micro.srv.greeter._services.micro. as five labels")
		}
		browse := func(dotted bool) []string {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			var got []string
			c2.Browse(ctx, mdns.BrowseQuery{Type: "_services", Domain: "micro", DottedInstance: dotted}, func(ev mdns.BrowseEvent) error {
				got = append(got, ev.Kind.String()+" "+ev.Entry.Instance)
				return nil
			})
			return got
		}
		if got := browse(true); !slices.Equal(got, []string{"add go.micro.srv.greeter"}) {
			t.Errorf("dotted browse: %q", got)
		}
		if got := browse(false); len(got) != 0 {
			t.Errorf("plain browse: %q, want nothing", got)
		}
	})
}

// twoHosts starts a Conn on each of hosts h1 and h2 of a new link; all of it
// is closed when the test ends.
func twoHosts(t *testing.T) (*mdnstest.Link, *mdns.Conn, *mdns.Conn) {
	t.Helper()
	link := mdnstest.NewLink(mdnstest.LinkConfig{})
	t.Cleanup(func() { link.Close() })
	var conns [2]*mdns.Conn
	for i, name := range []string{"h1", "h2"} {
		h := link.AddHost(name)
		c, err := mdns.Listen(mdns.Config{Network: h})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close(); h.Close() })
		conns[i] = c
	}
	return link, conns[0], conns[1]
}
