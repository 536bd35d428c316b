// Command scalepeer publishes many services of one type on one mdns.Conn
// — a responder built on package mdns alone, without the commands' flags,
// output and registry code — for mdnskit's scale benchmarks
// (internal/bench). It is a test tool, not part of mdnskit.
//
//	scalepeer -n 1000 -type _bench._tcp [-prefix "Bench h1"] [-iface e1] [-host h1]
//
// It starts every registration with RegisterNoWait, prints
// {"event":"ready","services":N,"seconds":S} once all are established, and
// runs until SIGINT or SIGTERM, when it says goodbye (Close).
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

	"github.com/mdnskit/mdnskit/mdns"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scalepeer:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		n      = flag.Int("n", 100, "services to publish")
		typ    = flag.String("type", "_bench._tcp", "service type")
		prefix = flag.String("prefix", "Bench", "instance names are \"<prefix> NNNN\"")
		iface  = flag.String("iface", "", "interface (default: every one)")
		host   = flag.String("host", "", "host label (default: the machine's)")
	)
	flag.Parse()
	cfg := mdns.Config{HostName: *host}
	if *iface != "" {
		cfg.Interfaces = []string{*iface}
	}
	c, err := mdns.Listen(cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	start := time.Now()
	regs := make([]*mdns.Registration, *n)
	for i := range regs {
		regs[i], err = c.RegisterNoWait(mdns.Service{Instance: fmt.Sprintf("%s %04d", *prefix, i), Type: *typ,
			Port: uint16(9000 + i%1000), Text: [][]byte{[]byte(fmt.Sprintf("n=%d", i))}})
		if err != nil {
			return err
		}
	}
	for _, g := range regs {
		if err := g.Wait(context.Background()); err != nil {
			return err
		}
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"event": "ready", "services": *n, "seconds": time.Since(start).Seconds()})
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	<-sig
	return nil
}
