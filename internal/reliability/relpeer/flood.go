package main

import (
	"context"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/internal/reliability/dnswire"
)

const (
	maxAnnounce = 1_000_000
	maxRate     = 100_000
	maxDuration = 120 * time.Second
)

var mdnsGroup = netip.MustParseAddr("224.0.0.251")

func flood(ctx context.Context, args []string, out *lines) error {
	fs := flag.NewFlagSet("relpeer flood", flag.ContinueOnError)
	announce := fs.Int("announce", 0, fmt.Sprintf("distinct spoofed instances to announce (at most %d)", maxAnnounce))
	announceRate := fs.Int("announce-rate", 2000, "announcements per second")
	typ := fs.String("type", "_flood._tcp", "service type of the spoofed instances")
	var queries multi
	fs.Var(&queries, "query", "NAME/TYPE to ask for (TYPE a number or A, PTR, SRV, TXT, AAAA, ANY), repeatable")
	queryRate := fs.Int("query-rate", 0, "queries per second, over the -query names in turn")
	duration := fs.Duration("duration", 60*time.Second, fmt.Sprintf("longest run (at most %v)", maxDuration))
	iface := fs.String("iface", "", "interface to send on")
	spoof := fs.String("spoof", "", "prefix the source addresses are drawn from (e.g. 10.99.0.128/25)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *announce < 0 || *announce > maxAnnounce || *announceRate < 1 || *announceRate > maxRate ||
		*queryRate < 0 || *queryRate > maxRate || *duration <= 0 || *duration > maxDuration {
		return fmt.Errorf("-announce 0..%d, rates up to %d/s, -duration up to %v", maxAnnounce, maxRate, maxDuration)
	}
	if *queryRate > 0 && len(queries) == 0 {
		return errors.New("-query-rate needs -query")
	}
	pfx, err := netip.ParsePrefix(*spoof)
	if err != nil || !pfx.Addr().Is4() || pfx.Bits() > 30 {
		return fmt.Errorf("-spoof %q: want an IPv4 prefix of at least 4 addresses", *spoof)
	}
	qs, err := parseQueries(queries)
	if err != nil {
		return err
	}
	ifi, err := net.InterfaceByName(*iface)
	if err != nil {
		return fmt.Errorf("-iface: %w", err)
	}
	raw, err := openRaw(ifi.Index)
	if err != nil {
		return err
	}
	defer closeRaw(raw)

	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 17))
	src := func() netip.Addr { return randomHost(rnd, pfx) }
	ctx, cancel := context.WithTimeout(ctx, *duration)
	defer cancel()
	out.emit(map[string]any{"event": "start"})
	start := time.Now()
	var sentA, sentQ, errs int
	send := func(from netip.Addr, msg []byte) {
		if err := sendRaw(raw, from, msg); err != nil {
			errs++
		}
	}
	for ctx.Err() == nil && (sentA < *announce || *queryRate > 0) {
		el := time.Since(start)
		// Send what is due by now, then sleep a millisecond: the rates
		// hold on average without a timer per datagram.
		for due := min(*announce, int(el.Seconds()*float64(*announceRate))+1); sentA < due; sentA++ {
			a := src()
			send(a, announcement(*typ, sentA, a))
		}
		if *queryRate > 0 {
			for due := int(el.Seconds()*float64(*queryRate)) + 1; sentQ < due; sentQ++ {
				send(src(), qs[sentQ%len(qs)])
			}
		}
		time.Sleep(time.Millisecond)
	}
	out.emit(map[string]any{"event": "done", "announcements": sentA, "queries": sentQ, "errors": errs,
		"seconds": time.Since(start).Seconds()})
	return nil
}

// announcement is an unsolicited response for spoofed instance i of typ,
// its host "spoof-<i>.local" at addr.
func announcement(typ string, i int, addr netip.Addr) []byte {
	svc := strings.TrimSuffix(typ, ".") + ".local"
	inst := fmt.Sprintf("Flood %07d.%s", i, svc)
	host := fmt.Sprintf("spoof-%d.local", i)
	a := addr.As4()
	return dnswire.NewResponse().
		Add(dnswire.Answer, svc, dnswire.TypePTR, dnswire.ClassIN, 4500, dnswire.AppendName(nil, inst)).
		Add(dnswire.Answer, inst, dnswire.TypeSRV, dnswire.ClassIN|dnswire.FlushBit, 120, dnswire.SRVData(9000, host)).
		Add(dnswire.Answer, inst, dnswire.TypeTXT, dnswire.ClassIN|dnswire.FlushBit, 4500, dnswire.TXTData("n=flood")).
		Add(dnswire.Additional, host, dnswire.TypeA, dnswire.ClassIN|dnswire.FlushBit, 120, a[:]).
		Bytes()
}

var typeNames = map[string]uint16{"A": dnswire.TypeA, "PTR": dnswire.TypePTR, "SRV": dnswire.TypeSRV,
	"TXT": dnswire.TypeTXT, "AAAA": dnswire.TypeAAAA, "ANY": dnswire.TypeANY}

// parseQueries turns NAME/TYPE strings into QM queries.
func parseQueries(specs []string) ([][]byte, error) {
	var out [][]byte
	for _, s := range specs {
		i := strings.LastIndexByte(s, '/')
		if i <= 0 {
			return nil, fmt.Errorf("-query %q: want NAME/TYPE", s)
		}
		t, ok := typeNames[strings.ToUpper(s[i+1:])]
		if !ok {
			return nil, fmt.Errorf("-query %q: unknown type", s)
		}
		out = append(out, dnswire.NewQuery().Question(s[:i], t, dnswire.ClassIN).Bytes())
	}
	return out, nil
}

// randomHost draws a host address of p other than its first and last.
func randomHost(rnd *rand.Rand, p netip.Prefix) netip.Addr {
	base := binary.BigEndian.Uint32(p.Masked().Addr().AsSlice())
	size := uint32(1) << (32 - p.Bits())
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], base+1+rnd.Uint32N(size-2))
	return netip.AddrFrom4(b)
}
