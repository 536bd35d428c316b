package gomicro5_test

import (
	"context"
	"log"

	"github.com/mdnskit/mdnskit/adapters/gomicro5"
	"go-micro.dev/v5"
	"go-micro.dev/v5/registry"
)

// The one-line change: give the service mdnskit's registry. Handlers,
// clients calling services by name, and go-micro services still on the
// stock mDNS registry keep working as before.
func ExampleNewRegistry() {
	service := micro.New("greeter", micro.Registry(gomicro5.NewRegistry()))
	if err := service.Run(); err != nil {
		log.Fatal(err)
	}
}

// Read one domain in one call; the registry's own domain is "micro", and
// "global" sees every domain.
func ExampleInDomain() {
	reg := gomicro5.NewRegistry()
	defer reg.Close() // goodbyes for every registration
	svcs, err := reg.GetService("greeter", registry.GetContext(gomicro5.InDomain(context.Background(), "global")))
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range svcs {
		for _, n := range s.Nodes {
			log.Println(s.Name, s.Version, n.Address, "registered in", n.Metadata["domain"])
		}
	}
}
