package mdnstest_test

import (
	"fmt"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// TestThousandHosts: every one of 1000 hosts (200 under -race) multicasts
// once, 1ms apart, and every host hears every packet (loopback on). This is
// the scale of the protocol's many-host scenarios.
func TestThousandHosts(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 hosts: skipped in -short mode")
	}
	synctest.Test(t, func(t *testing.T) {
		n := 1000
		if raceEnabled {
			n = 200
		}
		link := mdnstest.NewLink(mdnstest.LinkConfig{LogSize: 100})
		hosts := make([]*mdnstest.Host, n)
		conns := make([]mdns.PacketConn, n)
		var received atomic.Int64
		for i := range hosts {
			hosts[i] = link.AddHost(fmt.Sprintf("h%d", i))
			conns[i] = listen(t, hosts[i], "udp4", mdns.Port, eth0)
			go func() { // a reader per host, counting; exits on Close
				buf := make([]byte, 100)
				for {
					if _, _, err := conns[i].ReadFrom(buf); err != nil {
						return
					}
					received.Add(1)
				}
			}()
		}
		start := time.Now()
		for _, c := range conns {
			write(t, c, "announce", group4, eth0)
			time.Sleep(time.Millisecond)
		}
		synctest.Wait()
		if got := received.Load(); got != int64(n*n) {
			t.Errorf("received %d datagrams, want %d", got, n*n)
		}
		if st := link.Stats(); st.Sent != n || st.Delivered != n*n || st.QueueFull != 0 {
			t.Errorf("stats %+v, want %d sent and %d delivered (loopback included)", st, n, n*n)
		}
		if p := link.Packets(); len(p) != 100 || p[99].Time.Sub(start) != time.Duration(n-1)*time.Millisecond {
			t.Errorf("log kept %d packets, last at +%v", len(p), p[len(p)-1].Time.Sub(start))
		}
		for _, h := range hosts {
			h.Close()
		}
	})
}
