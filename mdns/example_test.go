package mdns_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/txt"
)

// Publish a service until the program ends. Register returns once the
// name is established on the link, with the final name if another host
// held it ("My Web (2)").
func ExampleConn_Register() {
	conn, err := mdns.Listen(mdns.Config{}) // every up, multicast interface
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close() // goodbyes, twice

	text, err := txt.Encode(txt.Attrs{{Key: "path", Value: []byte("/")}})
	if err != nil {
		log.Fatal(err)
	}
	reg, err := conn.Register(context.Background(), mdns.Service{
		Instance: "My Web", Type: "_http._tcp", Port: 8080, Text: text,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("published as", reg.Instance())
}

// Browse a service type for five seconds, printing add, update and remove
// events of fully resolved instances.
func ExampleConn_Browse() {
	conn, err := mdns.Listen(mdns.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = conn.Browse(ctx, mdns.BrowseQuery{Type: "_http._tcp"}, func(ev mdns.BrowseEvent) error {
		e := ev.Entry
		fmt.Println(ev.Kind, e.Instance, e.Host, e.Port, e.Addrs, txt.Decode(e.Text))
		return nil
	})
	if err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}
