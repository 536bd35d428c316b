package domains_test

import (
	"context"
	"fmt"
	"log"

	"github.com/mdnskit/mdnskit/domains"
)

// Register a go-micro style service in domain "dev"; it is mirrored into
// the global domain ("local"), where one browse sees every domain.
func ExampleRegistry_Register() {
	reg, err := domains.New(domains.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer reg.Close() // deregisters everything, with goodbyes

	svc := &domains.Service{
		Name:     "greeter",
		Version:  "1.0.0",
		Metadata: map[string]string{"region": "eu"},
		Nodes: []*domains.Node{{
			Id:      domains.NewNodeID("greeter"),
			Address: "10.0.0.5:9090",
		}},
	}
	ctx := context.Background()
	if err := reg.Register(ctx, "dev", svc); err != nil {
		log.Fatal(err)
	}
	all, err := reg.GetService(ctx, "local", "greeter")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range all {
		for _, n := range s.Nodes {
			fmt.Println(s.Name, s.Version, n.Id, n.Address, "from", n.Domain)
		}
	}
}
