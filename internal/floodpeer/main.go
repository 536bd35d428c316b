// Command floodpeer is a hostile host for mdnskit's LAN tests: it floods
// the mDNS group with spoofed service instances, queries or probes, from
// its own address and port 5353, at a given rate. It is a test tool, not
// part of mdnskit, and runs only inside internal/testlan's network
// namespaces. Every flood is bounded in count (at most 1,000,000
// datagrams) and time (at most 60 s).
//
//	floodpeer responses -type _flood._tcp [-records full|ptr] [-per-packet N] [-host H.local. -addr A]
//	floodpeer queries   -name N [-qtype 33]
//	floodpeer probes    -name "Legit._flood._tcp.local." [-host evil.local.]
//	common: [-count N] [-rate PER_S] [-duration D] [-v6 -iface IF] [-spoof PREFIX -iface IF]
//
// responses sends distinct instances "Flood NNNNNNN.<type>.local.": each
// a PTR, and with -records full (the default) also SRV (to -host), TXT and
// the host's A record. queries asks for one name again and again (QM);
// probes sends probe queries (RFC 6762 §8.1) for one name, proposing an
// SRV record of its own in the authority section. It prints
// {"event":"start"} when it starts sending and
// {"event":"done","sent":N,"seconds":S} when it stops.
//
// With -spoof (IPv4, Linux) every datagram comes from another source
// address drawn from PREFIX, written whole through a raw socket: a host
// that forges on-link sources (they pass the on-link check, RFC 6762 §11)
// to look like many hosts, each with its own share of a cache.
//
// DNS messages are built by hand: only package mdns may use a DNS library.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const (
	maxCount    = 1_000_000
	maxDuration = 60 * time.Second
	maxRate     = 100_000
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "floodpeer:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return errors.New("usage: floodpeer responses|queries|probes [flags]")
	}
	mode := args[0]
	fs := flag.NewFlagSet("floodpeer "+mode, flag.ContinueOnError)
	var (
		typ       = fs.String("type", "_flood._tcp", "responses: service type")
		records   = fs.String("records", "full", "responses: full (PTR, SRV, TXT, A) or ptr")
		perPacket = fs.Int("per-packet", 1, "responses: instances per datagram")
		host      = fs.String("host", "flood.local.", "host name of the spoofed SRV records")
		addr      = fs.String("addr", "10.99.0.1", "responses: the host's IPv4 address")
		name      = fs.String("name", "", "queries, probes: the name asked for")
		qtype     = fs.Int("qtype", 255, "queries: the type asked for")
		count     = fs.Int("count", 100_000, fmt.Sprintf("datagrams to send (at most %d)", maxCount))
		rate      = fs.Int("rate", 1000, fmt.Sprintf("datagrams per second (at most %d)", maxRate))
		duration  = fs.Duration("duration", 30*time.Second, fmt.Sprintf("longest run (at most %v)", maxDuration))
		v6        = fs.Bool("v6", false, "send to ff02::fb instead of 224.0.0.251")
		iface     = fs.String("iface", "", "with -v6 or -spoof: the interface")
		spoof     = fs.String("spoof", "", "IPv4 prefix to draw a source address from for every datagram (e.g. 10.99.0.128/25)")
	)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *count < 1 || *count > maxCount || *rate < 1 || *rate > maxRate || *duration <= 0 || *duration > maxDuration {
		return fmt.Errorf("-count 1..%d, -rate 1..%d, -duration up to %v", maxCount, maxRate, maxDuration)
	}
	a, err := netip.ParseAddr(*addr)
	if err != nil || !a.Is4() {
		return fmt.Errorf("-addr %q: want an IPv4 address", *addr)
	}
	var build func(i int) []byte
	switch mode {
	case "responses":
		if *records != "full" && *records != "ptr" || *perPacket < 1 || *perPacket > 20 {
			return errors.New("-records full|ptr, -per-packet 1..20")
		}
		full := *records == "full"
		build = func(i int) []byte { return spoofed(*typ, i**perPacket, *perPacket, full, *host, a) }
	case "queries":
		if *name == "" {
			return errors.New("queries needs -name")
		}
		q := query(*name, uint16(*qtype), nil)
		build = func(int) []byte { return q }
	case "probes":
		if *name == "" {
			return errors.New("probes needs -name")
		}
		build = func(i int) []byte { return query(*name, 255, srv(*name, *host, uint16(1+i%60000))) }
	default:
		return fmt.Errorf("unknown mode %q", mode)
	}

	send, closeConn, err := sender(*v6, *iface, *spoof)
	if err != nil {
		return err
	}
	defer closeConn()
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	enc := json.NewEncoder(os.Stdout)
	enc.Encode(map[string]string{"event": "start"})
	start := time.Now()
	end := start.Add(*duration)
	every := time.Second / time.Duration(*rate)
	sent := 0
loop:
	for sent < *count && time.Now().Before(end) {
		select {
		case <-stop:
			break loop
		default:
		}
		// Send what is due by now, then sleep a millisecond: the rate
		// holds on average without a timer per datagram.
		due := min(*count, int(time.Since(start)/every)+1)
		for ; sent < due; sent++ {
			if err := send(build(sent)); err != nil {
				return fmt.Errorf("after %d datagrams: %w", sent, err)
			}
		}
		time.Sleep(time.Millisecond)
	}
	return enc.Encode(map[string]any{"event": "done", "sent": sent, "seconds": time.Since(start).Seconds()})
}

// sender returns the function that sends a datagram to the group: from
// port 5353 of this host's address, or with spoof from a forged one.
func sender(v6 bool, iface, spoof string) (send func([]byte) error, closeFn func() error, err error) {
	if spoof != "" {
		pfx, err := netip.ParsePrefix(spoof)
		if err != nil || !pfx.Addr().Is4() || pfx.Bits() > 30 || v6 {
			return nil, nil, fmt.Errorf("-spoof %q: want an IPv4 prefix of at least 4 addresses (no -v6)", spoof)
		}
		return spoofSender(iface, pfx)
	}
	conn, dst, err := open(v6, iface)
	if err != nil {
		return nil, nil, err
	}
	return func(b []byte) error {
		_, err := conn.WriteToUDPAddrPort(b, dst)
		return err
	}, conn.Close, nil
}

// open binds port 5353 (shared, as every mDNS socket) and returns the
// group to send to.
func open(v6 bool, iface string) (*net.UDPConn, netip.AddrPort, error) {
	lc := net.ListenConfig{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = reuseAddr(fd) })
		return errors.Join(err, serr)
	}}
	network, laddr := "udp4", "0.0.0.0:5353"
	dst := netip.MustParseAddrPort("224.0.0.251:5353")
	if v6 {
		if iface == "" {
			return nil, dst, errors.New("-v6 needs -iface")
		}
		network, laddr = "udp6", "[::]:5353"
		dst = netip.AddrPortFrom(netip.MustParseAddr("ff02::fb").WithZone(iface), 5353)
	}
	pc, err := lc.ListenPacket(context.Background(), network, laddr)
	if err != nil {
		return nil, dst, err
	}
	return pc.(*net.UDPConn), dst, nil
}

// DNS wire format (RFC 1035 §4.1), uncompressed.

const (
	typeA    = 1
	typePTR  = 12
	typeTXT  = 16
	typeSRV  = 33
	classIN  = 1
	flushBit = 0x8000
)

// spoofed is a response announcing instances first..first+n-1 of typ.
func spoofed(typ string, first, n int, full bool, host string, a netip.Addr) []byte {
	var rrs [][]byte
	svc := strings.TrimSuffix(typ, ".") + ".local."
	for i := first; i < first+n; i++ {
		inst := fmt.Sprintf("Flood %07d.%s", i, svc)
		rrs = append(rrs, rr(svc, typePTR, classIN, 4500, name(inst)))
		if full {
			rrs = append(rrs, srv(inst, host, 9000),
				rr(inst, typeTXT, classIN|flushBit, 4500, append([]byte{byte(len("n=flood"))}, "n=flood"...)))
		}
	}
	if full {
		rrs = append(rrs, rr(host, typeA, classIN|flushBit, 120, a.AsSlice()))
	}
	return message(0x8400, nil, rrs, nil)
}

// query is a QM query for name (qtype), with authority records (a probe)
// if auth is set.
func query(qname string, qtype uint16, auth []byte) []byte {
	q := binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(name(qname), qtype), classIN)
	var ns [][]byte
	if auth != nil {
		ns = [][]byte{auth}
	}
	return message(0, [][]byte{q}, nil, ns)
}

func srv(owner, target string, port uint16) []byte {
	rd := binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, 0), 0), port)
	return rr(owner, typeSRV, classIN|flushBit, 120, append(rd, name(target)...))
}

func message(flags uint16, qs, answers, ns [][]byte) []byte {
	b := make([]byte, 12, 512)
	binary.BigEndian.PutUint16(b[2:], flags)
	binary.BigEndian.PutUint16(b[4:], uint16(len(qs)))
	binary.BigEndian.PutUint16(b[6:], uint16(len(answers)))
	binary.BigEndian.PutUint16(b[8:], uint16(len(ns)))
	for _, sec := range [][][]byte{qs, answers, ns} {
		for _, x := range sec {
			b = append(b, x...)
		}
	}
	return b
}

func rr(owner string, typ, class uint16, ttl uint32, rdata []byte) []byte {
	b := name(owner)
	b = binary.BigEndian.AppendUint16(b, typ)
	b = binary.BigEndian.AppendUint16(b, class)
	b = binary.BigEndian.AppendUint32(b, ttl)
	b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
	return append(b, rdata...)
}

// name encodes a dotted name whose labels contain no dots.
func name(s string) []byte {
	var b []byte
	for _, l := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}
