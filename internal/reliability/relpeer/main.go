// Command relpeer is a peer for mdnskit's reliability harness
// (internal/reliability). It is a test tool, not part of mdnskit, and runs
// only inside internal/testlan's network namespaces.
//
//	relpeer browse -type _t._tcp [-type ...] [-stats 1s] [-iface IF]
//	relpeer churn  -type _t._tcp -cycles N [-workers W] [-hold D] [-prefix P]
//
// browse is mdns-browse --watch with a window into the process: besides
// one JSON line per event it prints, every -stats interval, the Conn's
// cache size and bound, the process's goroutines, resident memory and CPU
// time, and the Conn's counters. On SIGINT or SIGTERM it closes the Conn
// and prints the goroutine count once everything has stopped.
//
// churn registers and withdraws services through the library as fast as
// they establish: -workers registrations at a time, -cycles in all, each
// held for a random time up to -hold, then withdrawn with goodbyes. It
// prints every registration and withdrawal and a summary.
//
// Floods come from internal/floodpeer.
//
// Every line carries "t", the Unix time in seconds, so that the harness
// can line up the lines of different processes.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "relpeer:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: relpeer browse|churn [flags]")
	}
	out := &lines{enc: json.NewEncoder(os.Stdout)}
	switch args[0] {
	case "browse":
		return browse(ctx, args[1:], out)
	case "churn":
		return churn(ctx, args[1:], out)
	}
	return fmt.Errorf("unknown mode %q", args[0])
}

// lines writes JSON lines from several goroutines, each stamped with "t".
type lines struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (l *lines) emit(m map[string]any) {
	m["t"] = float64(time.Now().UnixNano()) / 1e9
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.enc.Encode(m)
}

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return fmt.Sprint(*m) }
func (m *multi) Set(s string) error { *m = append(*m, s); return nil }
