package mdns_test

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// CacheSize counts what the cache holds: nothing at first, the records of
// a service once it is announced, nothing again a second after its
// goodbyes, and zeros once the Conn is closed.
func TestCacheSize(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := newLink(t)
		_, c1 := addHost(t, link, "h1", both)
		_, c2 := addHost(t, link, "h2", both)
		if n, bound := c2.CacheSize(); n != 0 || bound != 16384 {
			t.Fatalf("fresh cache: %d records, bound %d; want 0 and 16384", n, bound)
		}
		reg, err := c1.Register(context.Background(), mdns.Service{Instance: "Sized", Type: "_http._tcp", Port: 80})
		if err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(time.Second)
		// PTR, SRV, TXT, A, two AAAA, the type enumeration PTR, reverse
		// PTRs and NSECs: at least the first six.
		if n, _ := c2.CacheSize(); n < 6 {
			t.Errorf("after the announcement: %d records cached, want at least 6", n)
		}
		if err := reg.Deregister(context.Background()); err != nil {
			t.Fatal(err)
		}
		c1.Close()
		mdnstest.Advance(2 * time.Second)
		if n, _ := c2.CacheSize(); n != 0 {
			t.Errorf("after the goodbyes: %d records cached, want 0", n)
		}
		c2.Close()
		if n, bound := c2.CacheSize(); n != 0 || bound != 0 {
			t.Errorf("closed: %d, %d; want zeros", n, bound)
		}
	})
}
