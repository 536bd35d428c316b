package domains

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

// peerCommand is the first argument that turns this test binary into a
// registry peer for the LAN tests (see TestMain): the test binary is the
// one program every LAN host can run that may import this package.
const peerCommand = "domains-peer"

func TestMain(m *testing.M) {
	if len(os.Args) > 1 && os.Args[1] == peerCommand {
		os.Exit(runPeer(os.Args[2:]))
	}
	os.Exit(m.Run())
}

// runPeer registers one node in some domains, prints "registered", and
// withdraws it on SIGTERM; or, with -watch, prints every Watch result of a
// domain as a JSON line. It returns the exit status.
func runPeer(args []string) int {
	fs := flag.NewFlagSet(peerCommand, flag.ContinueOnError)
	flavour := fs.String("flavour", "dnssd", "dnssd or micro")
	service := fs.String("service", "greeter", "service name")
	id := fs.String("id", "", "node id")
	port := fs.Int("port", 8080, "node port")
	domainsFlag := fs.String("domains", "", "comma-separated domains to register in (empty: the default)")
	ttl := fs.Duration("ttl", 0, "record TTL")
	watchDomain := fs.String("watch", "", "watch this domain instead of registering")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg := Config{TTL: *ttl}
	if *flavour == "micro" {
		cfg.Flavour = Micro
	}
	r, err := New(cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer r.Close()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if *watchDomain != "" {
		enc := json.NewEncoder(os.Stdout)
		err := r.Watch(ctx, *watchDomain, "", func(res Result) error { return enc.Encode(res) })
		if err != nil && ctx.Err() == nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	}
	svc := &Service{
		Name: *service, Version: "1.0.0",
		Endpoints: []*Endpoint{{Name: "Greeter.Hello", Request: &Value{Name: "Request", Type: "Request"}, Metadata: map[string]string{}}},
		Nodes:     []*Node{{Id: *id, Address: fmt.Sprintf(":%d", *port), Metadata: map[string]string{"host": os.Getenv("LAN_HOST")}}},
	}
	doms := []string{""}
	if *domainsFlag != "" {
		doms = strings.Split(*domainsFlag, ",")
	}
	for _, d := range doms {
		rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		err := r.Register(rctx, d, svc)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
	}
	fmt.Println("registered")
	<-ctx.Done()
	return 0
}
