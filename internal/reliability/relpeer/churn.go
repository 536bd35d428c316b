package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

func churn(ctx context.Context, args []string, out *lines) error {
	fs := flag.NewFlagSet("relpeer churn", flag.ContinueOnError)
	typ := fs.String("type", "_churn._tcp", "service type")
	cycles := fs.Int("cycles", 100, "registrations in all")
	workers := fs.Int("workers", 4, "registrations at a time")
	hold := fs.Duration("hold", time.Second, "longest time a registration is held")
	prefix := fs.String("prefix", "churn", "instance name prefix")
	var ifaces multi
	fs.Var(&ifaces, "iface", "interface to use, repeatable (default all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cycles < 1 || *workers < 1 || *hold < 0 {
		return errors.New("churn needs -cycles ≥ 1, -workers ≥ 1, -hold ≥ 0")
	}
	base := runtime.NumGoroutine()
	conn, err := mdns.Listen(mdns.Config{Interfaces: ifaces})
	if err != nil {
		return err
	}
	out.emit(map[string]any{"event": "ready", "goroutines": base})
	var next, renamed, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range *workers {
		rnd := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(*cycles) {
					return
				}
				name := fmt.Sprintf("%s %d", *prefix, i)
				reg, err := conn.Register(ctx, mdns.Service{Instance: name, Type: *typ, Port: uint16(1000 + i%60000)})
				if err != nil {
					if ctx.Err() == nil {
						failed.Add(1)
						out.emit(map[string]any{"event": "failed", "instance": name, "error": err.Error()})
					}
					continue
				}
				if reg.Instance() != name {
					renamed.Add(1)
				}
				out.emit(map[string]any{"event": "registered", "instance": reg.Instance(), "requested": name})
				if *hold > 0 {
					select {
					case <-time.After(time.Duration(rnd.Int64N(int64(*hold) + 1))):
					case <-ctx.Done():
					}
				}
				err = reg.Deregister(context.Background())
				out.emit(map[string]any{"event": "withdrawn", "instance": reg.Instance(), "error": errString(err)})
			}
		})
	}
	wg.Wait()
	st := conn.Stats()
	closeErr := conn.Close()
	left := runtime.NumGoroutine()
	for end := time.Now().Add(2 * time.Second); left > base && time.Now().Before(end); left = runtime.NumGoroutine() {
		time.Sleep(10 * time.Millisecond)
	}
	out.emit(map[string]any{"event": "done", "cycles": min(next.Load(), int64(*cycles)), "renamed": renamed.Load(),
		"failed": failed.Load(), "conflicts": st.Conflicts, "seconds": time.Since(start).Seconds(),
		"goroutines": left, "baseline": base, "proc": sampleProc()})
	return closeErr
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
