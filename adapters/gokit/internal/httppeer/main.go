// Command httppeer is an HTTP server announced on the link through
// gokit's Registrar, for the LAN tests of package gokit:
//
//	httppeer -service NAME [-linger DUR]
//
// It answers every request with its host name, registers, and prints
// {"registered":true,"port":N}. On SIGTERM it deregisters (goodbyes,
// RFC 6762 §10.1), prints {"goodbye":UNIX_NANOS} with the time it began,
// goes on answering for -linger, so that a client still sending to it can
// be seen doing so, and exits.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/go-kit/log"
	"github.com/mdnskit/mdnskit/adapters/gokit"
	"github.com/mdnskit/mdnskit/domains"
)

func main() {
	service := flag.String("service", "echo", "service name")
	linger := flag.Duration("linger", 5*time.Second, "how long to keep answering after the goodbye")
	flag.Parse()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)

	host, _ := os.Hostname()
	ln, err := net.Listen("tcp", ":0")
	if err != nil {
		fail(err)
	}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, host) }))
	port := ln.Addr().(*net.TCPAddr).Port

	reg, err := domains.New(domains.Config{})
	if err != nil {
		fail(err)
	}
	failed := false
	logger := log.LoggerFunc(func(kv ...any) error {
		for i := 0; i+1 < len(kv); i += 2 {
			failed = failed || kv[i] == "err"
		}
		return log.NewLogfmtLogger(os.Stderr).Log(kv...)
	})
	svc := &domains.Service{Name: *service, Version: "1", Nodes: []*domains.Node{{
		Id: domains.NewNodeID(*service), Address: ":" + strconv.Itoa(port)}}}
	registrar := gokit.NewRegistrar(reg, svc, logger)
	registrar.Register()
	if failed {
		os.Exit(1)
	}
	out := json.NewEncoder(os.Stdout)
	out.Encode(map[string]any{"registered": true, "port": port})

	<-sig
	out.Encode(map[string]int64{"goodbye": time.Now().UnixNano()})
	registrar.Deregister()
	time.Sleep(*linger)
	reg.Close()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "httppeer:", err)
	os.Exit(1)
}
