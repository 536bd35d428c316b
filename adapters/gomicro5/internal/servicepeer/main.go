// Command servicepeer is a real go-micro v5 service and client for the LAN
// tests of package gomicro5: the same program on mdnskit's registry
// (-registry mdnskit) or on go-micro's stock mDNS registry (-registry mdns).
// It prints one JSON object per line on stdout:
//
//	servicepeer serve -service NAME [-ttl DUR]
//	    runs a go-micro rpc server with a Greeter handler, registered with
//	    RegisterTTL DUR; prints {"serving":true,...}; on SIGTERM stops the
//	    server (which deregisters) and exits.
//	servicepeer call -service NAME -name WHO [-timeout DUR]
//	    calls NAME's Greeter.Hello by name with a go-micro client, retrying
//	    until it answers or DUR passes; prints {"msg":...,"attempts":N}.
//	servicepeer watch -service NAME
//	    prints every registry Watch result, with the time it came in unix
//	    nanoseconds, until SIGTERM.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/mdnskit/mdnskit/adapters/gomicro5"
	"go-micro.dev/v5/broker"
	"go-micro.dev/v5/client"
	"go-micro.dev/v5/registry"
	"go-micro.dev/v5/server"
)

// Greeter is the service's handler: Greeter.Hello answers with the name of
// the host it runs on, so a test sees which server answered.
type Greeter struct{}

// HelloRequest and HelloResponse go over go-micro's JSON codec.
type (
	HelloRequest  struct{ Name string }
	HelloResponse struct{ Msg string }
)

// Hello greets req.Name from this host.
func (Greeter) Hello(ctx context.Context, req *HelloRequest, rsp *HelloResponse) error {
	host, _ := os.Hostname()
	rsp.Msg = "hello " + req.Name + " from " + host
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: servicepeer serve|call|watch [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	kind := fs.String("registry", "mdnskit", "registry: mdnskit or mdns (go-micro's stock one)")
	service := fs.String("service", "greeter", "service name")
	ttl := fs.Duration("ttl", 90*time.Second, "RegisterTTL (serve)")
	name := fs.String("name", "test", "who to greet (call)")
	timeout := fs.Duration("timeout", 20*time.Second, "give up calling after (call)")
	fs.Parse(os.Args[2:])

	var reg registry.Registry
	closeReg := func() {}
	switch *kind {
	case "mdnskit":
		r := gomicro5.NewRegistry()
		reg, closeReg = r, func() { r.Close() }
	case "mdns":
		reg = registry.NewMDNSRegistry()
	default:
		fmt.Fprintf(os.Stderr, "servicepeer: unknown registry %q\n", *kind)
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)

	switch os.Args[1] {
	case "serve":
		srv := server.NewRPCServer(
			server.Name(*service),
			server.Version("1.0.0"),
			server.Address(":0"),
			server.Registry(reg),
			server.RegisterTTL(*ttl),
			server.Broker(broker.NewMemoryBroker()),
			server.Metadata(map[string]string{"registry": *kind}),
		)
		if err := srv.Handle(srv.NewHandler(Greeter{})); err != nil {
			fail(err)
		}
		if err := srv.Start(); err != nil {
			fail(err)
		}
		o := srv.Options()
		out.Encode(map[string]any{"serving": true, "id": o.Name + "-" + o.Id})
		<-sig
		if err := srv.Stop(); err != nil {
			fail(err)
		}
		closeReg()
	case "call":
		c := client.NewClient(client.Registry(reg), client.RequestTimeout(2*time.Second))
		req := c.NewRequest(*service, "Greeter.Hello", &HelloRequest{Name: *name})
		var rsp HelloResponse
		deadline := time.Now().Add(*timeout)
		attempts := 0
		for {
			attempts++
			err := c.Call(context.Background(), req, &rsp)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				fail(fmt.Errorf("%d calls, the last: %w", attempts, err))
			}
			time.Sleep(200 * time.Millisecond)
		}
		out.Encode(map[string]any{"msg": rsp.Msg, "attempts": attempts})
		closeReg()
	case "watch":
		w, err := reg.Watch(registry.WatchService(*service))
		if err != nil {
			fail(err)
		}
		out.Encode(map[string]bool{"watching": true})
		go func() {
			<-sig
			w.Stop()
			closeReg()
			os.Exit(0)
		}()
		for {
			res, err := w.Next()
			if err != nil {
				fail(err)
			}
			for _, n := range res.Service.Nodes {
				out.Encode(map[string]any{"action": res.Action, "id": n.Id, "address": n.Address, "at": time.Now().UnixNano()})
			}
		}
	default:
		fmt.Fprintf(os.Stderr, "servicepeer: unknown mode %q\n", os.Args[1])
		os.Exit(2)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "servicepeer:", err)
	os.Exit(1)
}
