// Command gomicropeer runs go-micro's own mDNS registry, so that tests can
// check that mdnskit's micro flavour and go-micro see each other both ways.
// -gomicro picks the go-micro version: v5 (go-micro.dev/v5) or v4
// (go-micro.dev/v4). It prints one JSON object per line on stdout:
//
//	gomicropeer register -service NAME -id ID -address HOST:PORT
//	    registers a node (with endpoints and metadata), prints
//	    {"registered":true}, deregisters on SIGTERM and exits.
//	gomicropeer get -service NAME      prints the services GetService returns
//	gomicropeer list                   prints the services ListServices returns
//	gomicropeer watch [-service NAME]  prints every Watch result until SIGTERM
//
// -timeout is the registry's query timeout (go-micro's default: 100 ms).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// peer is one go-micro version's mDNS registry. The registry types of the
// versions differ but share their JSON form, which is what passes here.
type peer interface {
	Register(service []byte) (deregister func() error, err error)
	GetService(name string) ([]any, error)
	ListServices() ([]any, error)
	Watch(name string) (next func() (any, error), stop func(), err error)
}

var versions = map[string]func(timeout time.Duration) peer{}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: gomicropeer register|get|list|watch [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	version := fs.String("gomicro", "v5", "go-micro version: v5 or v4")
	service := fs.String("service", "helloworld", "service name")
	id := fs.String("id", "", "node id (register)")
	address := fs.String("address", "", "node address host:port (register)")
	timeout := fs.Duration("timeout", 100*time.Millisecond, "registry timeout for get and list")
	fs.Parse(os.Args[2:])
	open := versions[*version]
	if open == nil {
		fmt.Fprintf(os.Stderr, "gomicropeer: unknown go-micro version %q\n", *version)
		os.Exit(2)
	}
	reg := open(*timeout)
	enc := json.NewEncoder(os.Stdout)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)

	switch os.Args[1] {
	case "register":
		deregister, err := reg.Register(serviceJSON(*service, *id, *address))
		if err != nil {
			fail(err)
		}
		enc.Encode(map[string]bool{"registered": true})
		<-sig
		if err := deregister(); err != nil {
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
		next, stop, err := reg.Watch(*service)
		if err != nil {
			fail(err)
		}
		enc.Encode(map[string]bool{"watching": true})
		go func() {
			<-sig
			stop()
			os.Exit(0)
		}()
		for {
			res, err := next()
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

// serviceJSON is the registered service in go-micro's JSON form, the same
// for every version: one endpoint with request and response values, node
// metadata as a go-micro rpc server sets it.
func serviceJSON(name, id, address string) []byte {
	type value struct {
		Name   string   `json:"name"`
		Type   string   `json:"type"`
		Values []*value `json:"values"`
	}
	b, err := json.Marshal(map[string]any{
		"name":    name,
		"version": "1.0.0",
		"endpoints": []any{map[string]any{
			"name":     "Helloworld.Call",
			"request":  value{Name: "CallRequest", Type: "CallRequest", Values: []*value{{Name: "name", Type: "string"}}},
			"response": value{Name: "CallResponse", Type: "CallResponse", Values: []*value{{Name: "msg", Type: "string"}}},
			"metadata": map[string]string{},
		}},
		"nodes": []any{map[string]any{
			"id":       id,
			"address":  address,
			"metadata": map[string]string{"protocol": "mucp", "registry": "mdns", "peer": "go-micro"},
		}},
	})
	if err != nil {
		fail(err)
	}
	return b
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gomicropeer:", err)
	os.Exit(1)
}
