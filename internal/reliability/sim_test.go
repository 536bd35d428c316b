package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/reliability/dnswire"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// A simulated LAN on mdnstest's virtual clock: announcer hosts with stable
// and cycling services, browser hosts, the link's faults. Everything is
// seeded, so a run is reproducible to the packet.

const simType = "_rel._tcp"

type simConfig struct {
	seed   uint64
	faults mdnstest.Faults
	// rxLoss is the share of packets each host loses on receipt, on its
	// own (lossyNetwork).
	rxLoss     float64
	announcers int // hosts a1..aN
	stable     int // services per announcer registered at the start and kept
	cycling    int // services per announcer that come and go
	browsers   int // hosts b1..bM, each browsing simType
	duration   time.Duration
	// up and down bound a cycling service's random lifetime and pause.
	up, down [2]time.Duration
	// loseGoodbyes is the share of withdrawals whose goodbyes the link
	// drops (all of them, both copies).
	loseGoodbyes float64
	// tap, when set, sees every packet on the link, and lost every
	// datagram a host lost on receipt (for diagnosis).
	tap  func(mdnstest.Packet)
	lost func(host string, data []byte)
}

// runSim runs cfg inside the caller's synctest bubble.
func runSim(t *testing.T, cfg simConfig) *runRecord {
	t.Helper()
	res := &runRecord{browsers: cfg.browsers, start: time.Now()}
	var mu sync.Mutex // guards res.lives, res.events, doomed
	doomed := map[string]bool{}

	faults := cfg.faults
	faults.Hook = func(p *mdnstest.Packet) mdnstest.Verdict {
		m, err := dnswire.Parse(p.Data)
		if err != nil || !m.Response() {
			return mdnstest.Deliver
		}
		mu.Lock()
		defer mu.Unlock()
		for _, r := range m.Records() {
			if r.TTL == 0 && (doomed[r.Name] || doomed[string(r.Data)]) {
				return mdnstest.Drop
			}
		}
		return mdnstest.Deliver
	}
	link := mdnstest.NewLink(mdnstest.LinkConfig{Seed: cfg.seed, Faults: faults, LogSize: -1})
	defer link.Close()
	if cfg.tap != nil {
		defer link.Tap(cfg.tap)()
	}

	listen := func(name string, i int) (*mdnstest.Host, *mdns.Conn) {
		h := link.AddHost(name)
		var nw mdns.Network = h
		if cfg.rxLoss > 0 {
			nw = &lossyNetwork{Host: h, rate: cfg.rxLoss, seed: cfg.seed<<16 + uint64(i), lost: cfg.lost}
		}
		c, err := mdns.Listen(mdns.Config{Network: nw, Rand: rand.New(rand.NewPCG(cfg.seed, uint64(i)))})
		if err != nil {
			t.Fatal(err)
		}
		return h, c
	}
	var hosts []*mdnstest.Host
	var ann, brs []*mdns.Conn
	for i := range cfg.announcers {
		h, c := listen(fmt.Sprintf("a%d", i+1), i)
		hosts, ann = append(hosts, h), append(ann, c)
	}
	for i := range cfg.browsers {
		h, c := listen(fmt.Sprintf("b%d", i+1), 1000+i)
		hosts, brs = append(hosts, h), append(brs, c)
	}

	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for bi, c := range brs {
		wg.Go(func() {
			err := c.Browse(ctx, mdns.BrowseQuery{Type: simType}, func(ev mdns.BrowseEvent) error {
				mu.Lock()
				res.events = append(res.events, browseEvent{at: time.Now(), browser: bi, kind: ev.Kind, instance: ev.Entry.Instance})
				mu.Unlock()
				return nil
			})
			if err != nil && ctx.Err() == nil {
				t.Errorf("browser %d: %v", bi, err)
			}
		})
	}

	// serve registers name on announcer ai, holds it for hold (or until
	// the run ends) and withdraws it.
	serve := func(ai int, name string, hold time.Duration, loseGoodbye bool) {
		l := &lifetime{name: name, host: ai, start: time.Now()}
		mu.Lock()
		res.lives = append(res.lives, l)
		mu.Unlock()
		reg, err := ann[ai].Register(ctx, mdns.Service{Instance: name, Type: simType, Port: 9000, Text: [][]byte{[]byte("k=v")}})
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("register %s: %v", name, err)
			}
			return
		}
		mu.Lock()
		l.established, l.renamed = time.Now(), reg.Instance() != name
		mu.Unlock()
		select {
		case <-time.After(hold):
		case <-ctx.Done():
			return // lives to the end of the run
		}
		if loseGoodbye {
			mu.Lock()
			l.goodbyeLost = true
			doomed[strings.ToLower(name)+"."+simType+".local."] = true
			mu.Unlock()
		}
		mu.Lock()
		l.stop = time.Now()
		mu.Unlock()
		if err := reg.Deregister(context.Background()); err != nil && !errors.Is(err, mdns.ErrClosed) {
			t.Errorf("deregister %s: %v", name, err)
		}
	}
	rnd := rand.New(rand.NewPCG(cfg.seed, 99))
	between := func(r [2]time.Duration) time.Duration {
		return r[0] + time.Duration(rnd.Int64N(int64(r[1]-r[0])+1))
	}
	for ai := range cfg.announcers {
		for s := range cfg.stable {
			wg.Go(func() { serve(ai, fmt.Sprintf("a%d-s%d", ai+1, s), cfg.duration*2, false) })
		}
		for s := range cfg.cycling {
			// Each slot's schedule is drawn up front, from the run's seed.
			var plan []struct {
				wait, hold time.Duration
				lose       bool
			}
			for at := time.Duration(0); at < cfg.duration; {
				w, h := between(cfg.down), between(cfg.up)
				plan = append(plan, struct {
					wait, hold time.Duration
					lose       bool
				}{w, h, rnd.Float64() < cfg.loseGoodbyes})
				at += w + h
			}
			wg.Go(func() {
				for n, p := range plan {
					select {
					case <-time.After(p.wait):
					case <-ctx.Done():
						return
					}
					serve(ai, fmt.Sprintf("a%d-c%d-%d", ai+1, s, n), p.hold, p.lose)
					if ctx.Err() != nil {
						return
					}
				}
			})
		}
	}
	mdnstest.Advance(cfg.duration)
	res.end = time.Now()
	cancel()
	wg.Wait()
	for _, c := range ann {
		res.conflicts += c.Stats().Conflicts
	}
	for _, c := range slices.Concat(ann, brs) {
		if err := c.Close(); err != nil {
			t.Error(err)
		}
	}
	for _, h := range hosts {
		h.Close()
	}
	return res
}
