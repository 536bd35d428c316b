// Command hashipeer runs github.com/hashicorp/mdns — the most widely
// deployed Go mDNS library — as an interop peer for mdnskit's LAN tests
// (package mdns, lan_hashicorp_test.go). It is a test tool, not part of
// mdnskit.
//
//	hashipeer serve  -instance NAME -service _t._tcp -port N -host H.local. -ip A [-ip B] [-txt k=v ...] [-iface IF]
//	hashipeer lookup -service _t._tcp [-timeout 3s] [-iface IF] [-unicast]
//
// serve publishes one service and prints {"event":"serving"} once its
// sockets are open, then answers queries until SIGINT or SIGTERM.
// hashicorp/mdns never announces and answers every question by unicast to
// the asker: a browser only finds it by querying.
//
// lookup sends hashicorp's one query (from an ephemeral port, so an RFC 6762
// responder treats it as a legacy unicast query, §6.7) and prints one JSON
// line per complete entry it assembles before the timeout, then
// {"event":"done"}.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/hashicorp/mdns"
)

// entry is one line of lookup output.
type entry struct {
	Event  string   `json:"event"`
	Name   string   `json:"name"` // presentation format, as hashicorp reports it
	Host   string   `json:"host"`
	Port   int      `json:"port"`
	AddrV4 string   `json:"addr_v4,omitempty"`
	AddrV6 string   `json:"addr_v6,omitempty"` // with zone for link-local
	TXT    []string `json:"txt"`
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "hashipeer:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: hashipeer serve|lookup [flags]")
	}
	fs := flag.NewFlagSet("hashipeer "+args[0], flag.ContinueOnError)
	var (
		instance = fs.String("instance", "", "instance name (serve)")
		service  = fs.String("service", "", "service type, e.g. _http._tcp")
		port     = fs.Int("port", 0, "port (serve)")
		host     = fs.String("host", "", "host name with the trailing dot (serve); hashicorp's default is os.Hostname()+\".\"")
		iface    = fs.String("iface", "", "interface for multicast")
		timeout  = fs.Duration("timeout", 3*time.Second, "how long lookup listens")
		unicast  = fs.Bool("unicast", false, "lookup: set the QU bit")
		ips, txt multi
	)
	fs.Var(&ips, "ip", "an address of the host (serve, repeatable)")
	fs.Var(&txt, "txt", "a TXT string (serve, repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	var ifi *net.Interface
	if *iface != "" {
		var err error
		if ifi, err = net.InterfaceByName(*iface); err != nil {
			return err
		}
	}
	logger := log.New(os.Stderr, "hashicorp: ", log.Lmicroseconds)
	switch args[0] {
	case "serve":
		return serve(stdout, logger, ifi, *instance, *service, *host, *port, ips, txt)
	case "lookup":
		return lookup(stdout, logger, ifi, *service, *timeout, *unicast)
	}
	return fmt.Errorf("unknown mode %q", args[0])
}

func serve(stdout io.Writer, logger *log.Logger, ifi *net.Interface, instance, service, host string, port int, ips, txt []string) error {
	var addrs []net.IP
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return fmt.Errorf("bad -ip %q", s)
		}
		addrs = append(addrs, ip)
	}
	svc, err := mdns.NewMDNSService(instance, service, "", host, port, addrs, txt)
	if err != nil {
		return err
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Iface: ifi, Logger: logger})
	if err != nil {
		return err
	}
	defer srv.Shutdown()
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	if err := json.NewEncoder(stdout).Encode(map[string]string{"event": "serving"}); err != nil {
		return err
	}
	<-sig
	return nil
}

func lookup(stdout io.Writer, logger *log.Logger, ifi *net.Interface, service string, timeout time.Duration, unicast bool) error {
	// hashicorp drops an entry when the channel is not ready: buffer it.
	ch := make(chan *mdns.ServiceEntry, 64)
	p := mdns.DefaultParams(service)
	p.Entries, p.Timeout, p.Interface, p.WantUnicastResponse, p.Logger = ch, timeout, ifi, unicast, logger
	err := mdns.Query(p)
	close(ch)
	enc := json.NewEncoder(stdout)
	for e := range ch {
		out := entry{Event: "entry", Name: e.Name, Host: e.Host, Port: e.Port, TXT: e.InfoFields}
		if e.AddrV4 != nil {
			out.AddrV4 = e.AddrV4.String()
		}
		if e.AddrV6IPAddr != nil {
			out.AddrV6 = e.AddrV6IPAddr.String()
		}
		if err := enc.Encode(out); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	return enc.Encode(map[string]string{"event": "done"})
}
