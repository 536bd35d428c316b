package bench

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// BenchmarkRegisterNoWaitMany publishes n services on one Conn with RegisterNoWait — no
// goroutine of the caller's per service — and waits until every one is
// established (RFC 6762 §8: probed and announced). On mdnstest, real
// time: ns/op is the time from the first RegisterNoWait to the last Ready.
func BenchmarkRegisterNoWaitMany(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				link := mdnstest.NewLink(mdnstest.LinkConfig{LogSize: -1})
				h := link.AddHost("h1")
				c, err := mdns.Listen(mdns.Config{Network: h})
				if err != nil {
					b.Fatal(err)
				}
				g0 := runtime.NumGoroutine()
				b.StartTimer()
				regs := registerNoWaitMany(b, c, "Bench Web", "_http._tcp", n)
				if g := runtime.NumGoroutine() - g0; g > 0 {
					b.Fatalf("%d goroutines more after %d RegisterNoWait calls", g, n)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
				for i, g := range regs {
					if err := g.Wait(ctx); err != nil {
						b.Fatalf("registration %d: %v", i, err)
					}
				}
				cancel()
				b.StopTimer()
				c.Close()
				h.Close()
				link.Close()
				b.StartTimer()
			}
		})
	}
}

// publishMany publishes n services "<prefix> N" of typ on c.
func registerNoWaitMany(tb testing.TB, c *mdns.Conn, prefix, typ string, n int) []*mdns.Registration {
	tb.Helper()
	regs := make([]*mdns.Registration, n)
	for i := range regs {
		g, err := c.RegisterNoWait(mdns.Service{Instance: fmt.Sprintf("%s %d", prefix, i), Type: typ, Port: 8080,
			Text: [][]byte{[]byte("path=/"), []byte("v=1")}})
		if err != nil {
			tb.Fatalf("publish %d: %v", i, err)
		}
		regs[i] = g
	}
	return regs
}
