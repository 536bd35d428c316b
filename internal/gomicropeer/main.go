// Command gomicropeer runs go-micro's own mDNS registry, so that tests can
// check that mdnskit's micro flavour and go-micro see each other both ways.
// It prints one JSON object per line on stdout:
//
//	gomicropeer register -service NAME -id ID -address HOST:PORT
//	    registers a node (with endpoints and metadata), prints
//	    {"registered":true}, deregisters on SIGTERM and exits.
//	gomicropeer get -service NAME      prints the services GetService returns
//	gomicropeer list                   prints the services ListServices returns
//	gomicropeer watch [-service NAME]  prints every Watch result until SIGTERM
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"go-micro.dev/v5/registry"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gomicropeer register|get|list|watch [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	service := fs.String("service", "helloworld", "service name")
	id := fs.String("id", "", "node id (register)")
	address := fs.String("address", "", "node address host:port (register)")
	timeout := fs.Duration("timeout", time.Second, "registry timeout for get and list")
	fs.Parse(os.Args[2:])

	reg := registry.NewRegistry(registry.Timeout(*timeout))
	enc := json.NewEncoder(os.Stdout)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)

	switch os.Args[1] {
	case "register":
		svc := &registry.Service{
			Name:    *service,
			Version: "1.0.0",
			Endpoints: []*registry.Endpoint{{
				Name:     "Helloworld.Call",
				Request:  &registry.Value{Name: "CallRequest", Type: "CallRequest", Values: []*registry.Value{{Name: "name", Type: "string"}}},
				Response: &registry.Value{Name: "CallResponse", Type: "CallResponse", Values: []*registry.Value{{Name: "msg", Type: "string"}}},
				Metadata: map[string]string{},
			}},
			Nodes: []*registry.Node{{
				Id:       *id,
				Address:  *address,
				Metadata: map[string]string{"protocol": "mucp", "registry": "mdns", "peer": "go-micro"},
			}},
		}
		if err := reg.Register(svc); err != nil {
			fail(err)
		}
		enc.Encode(map[string]bool{"registered": true})
		<-sig
		if err := reg.Deregister(svc); err != nil {
			fail(err)
		}
	case "get":
		svcs, err := reg.GetService(*service)
		if err != nil {
			fail(err)
		}
		for _, s := range svcs {
			enc.Encode(s)
		}
	case "list":
		svcs, err := reg.ListServices()
		if err != nil {
			fail(err)
		}
		for _, s := range svcs {
			enc.Encode(s)
		}
	case "watch":
		var opts []registry.WatchOption
		if *service != "" {
			opts = append(opts, registry.WatchService(*service))
		}
		w, err := reg.Watch(opts...)
		if err != nil {
			fail(err)
		}
		enc.Encode(map[string]bool{"watching": true})
		go func() {
			<-sig
			w.Stop()
			os.Exit(0)
		}()
		for {
			res, err := w.Next()
			if err != nil {
				fail(err)
			}
			enc.Encode(res)
		}
	default:
		fmt.Fprintf(os.Stderr, "gomicropeer: unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gomicropeer:", err)
	os.Exit(1)
}
