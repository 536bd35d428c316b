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
		link := newLink(t)
		_, c1 := addHost(t, link, "h1", both)
		_, c2 := addHost(t, link, "h2", both)

		start := time.Now()
		q := mdns.BrowseQuery{Type: "_http._tcp"}
		remote := browseOn(t, c2, q, start, nil)
		local := browseOn(t, c1, q, start, nil)

		reg, err := c1.Register(context.Background(), mdns.Service{
			Instance: "Café Web", Type: "_http._tcp", Port: 8080, Text: [][]byte{[]byte("v=1")},
		})
		if err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(3 * time.Second)
		for who, evs := range map[string][]recorded{"h2": remote.events(), "h1": local.events()} {
			if len(evs) != 1 || evs[0].Kind != mdns.EventAdd {
				t.Fatalf("%s: events %v, want one add", who, evs)
			}
			en := evs[0].Entry
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
		evs := remote.events()
		if last := evs[len(evs)-1]; last.Kind != mdns.EventUpdate || last.Entry.Port != 8081 ||
			string(last.Entry.Text[0]) != "v=2" {
			t.Errorf("after Update: %+v", evs)
		}

		bye := time.Since(start)
		if err := reg.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(3 * time.Second)
		evs = remote.events()
		last := evs[len(evs)-1]
		if last.Kind != mdns.EventRemove {
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
		link := newLink(t)
		_, c1 := addHost(t, link, "h1", both)
		_, c2 := addHost(t, link, "h2", both)
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
