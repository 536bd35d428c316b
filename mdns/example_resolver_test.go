package mdns_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/netip"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Fetch a page from a .local name with net/http: the Dialer resolves
// .local names over mDNS (caching answers for their TTL) and leaves every
// other name to the system's resolver.
func ExampleDialer() {
	d := &mdns.Dialer{} // opens an mdns.Conn on first use
	defer d.Close()
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext}}
	resp, err := client.Get("http://box.local:8080/")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%s\n", body)
}

// Resolve a .local name. Here the link is package mdnstest's simulated
// one, with a printer published for a device by h1 and the Resolver on h2.
func ExampleResolver() {
	link := mdnstest.NewLink(mdnstest.LinkConfig{})
	defer link.Close()
	h1, h2 := link.AddHost("h1"), link.AddHost("h2")
	pub, err := mdns.Listen(mdns.Config{Network: h1})
	if err != nil {
		log.Fatal(err)
	}
	defer pub.Close()
	ctx := context.Background()
	if _, err := pub.RegisterHost(ctx, mdns.Host{Name: "printer", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.9")}}); err != nil {
		log.Fatal(err)
	}

	conn, err := mdns.Listen(mdns.Config{Network: h2})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	r := &mdns.Resolver{Conn: conn}
	addrs, err := r.LookupNetIP(ctx, "ip", "printer.local")
	fmt.Println(addrs, err)
	// Output:
	// [10.0.0.9] <nil>
}
