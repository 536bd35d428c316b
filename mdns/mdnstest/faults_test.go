package mdnstest_test

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// pair is a link with a sender h1 and a receiver h2 joined on eth0.
type pair struct {
	link *mdnstest.Link
	tx   mdns.PacketConn
	rx   *sink
}

func newPair(t *testing.T, cfg mdnstest.LinkConfig) pair {
	link := mdnstest.NewLink(cfg)
	h1 := mdnstest.NewHost(mdnstest.HostConfig{Name: "h1", NoMulticastLoopback: true})
	must(h1.AddInterface(link, mdnstest.InterfaceConfig{Name: "eth0", Prefixes: []netip.Prefix{netip.MustParsePrefix("10.0.0.1/16")}}))
	h2 := link.AddHost("h2")
	t.Cleanup(func() { h1.Close(); h2.Close() })
	return pair{link: link, tx: listen(t, h1, "udp4", mdns.Port), rx: listenSink(t, h2, "udp4", mdns.Port, eth0)}
}

func (p pair) send(t *testing.T, msgs ...string) {
	t.Helper()
	for _, m := range msgs {
		write(t, p.tx, m, group4, eth0)
	}
}

func numbered(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("p%03d", i)
	}
	return out
}

// lossRun sends 200 numbered packets, one per millisecond, over a link
// with 30% loss and returns which arrived.
func lossRun(t *testing.T, seed uint64) []string {
	var got []string
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, mdnstest.LinkConfig{Seed: seed, Faults: mdnstest.Faults{Loss: 0.3}})
		for _, m := range numbered(200) {
			p.send(t, m)
			time.Sleep(time.Millisecond)
		}
		synctest.Wait()
		got = p.rx.datas()
		if st := p.link.Stats(); st.Lost+len(got) != 200 || st.Lost == 0 {
			t.Errorf("stats %+v with %d received", st, len(got))
		}
	})
	return got
}

func TestLossIsSeededAndDeterministic(t *testing.T) {
	a, b, c := lossRun(t, 7), lossRun(t, 7), lossRun(t, 8)
	if !equal(a, b) {
		t.Errorf("same seed, different survivors:\n%q\n%q", a, b)
	}
	if equal(a, c) {
		t.Error("different seeds, same survivors")
	}
	if len(a) < 100 || len(a) > 180 {
		t.Errorf("%d of 200 survived 30%% loss", len(a))
	}
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, mdnstest.LinkConfig{Faults: mdnstest.Faults{Loss: 1}})
		p.send(t, "a", "b")
		synctest.Wait()
		if g := p.rx.take(); len(g) != 0 {
			t.Errorf("total loss delivered %+v", g)
		}
		if pk := p.link.Packets(); pk[0].Dropped != mdnstest.DropLoss || len(pk[0].Deliveries) != 0 {
			t.Errorf("lost packet logged as %+v", pk[0])
		}
	})
}

func TestDuplicate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, mdnstest.LinkConfig{Faults: mdnstest.Faults{Duplicate: 1}})
		p.send(t, "a", "b")
		synctest.Wait()
		if g := p.rx.datas(); !equal(g, []string{"a", "a", "b", "b"}) {
			t.Errorf("got %q", g)
		}
		d := p.link.Packets()[0].Deliveries
		if len(d) != 2 || d[0].Copy != 0 || d[1].Copy != 1 {
			t.Errorf("deliveries %+v", d)
		}
		if st := p.link.Stats(); st.Duplicated != 2 || st.Delivered != 4 {
			t.Errorf("stats %+v", st)
		}
	})
}

func TestDelayIsExact(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, mdnstest.LinkConfig{Faults: mdnstest.Faults{Delay: 100 * time.Millisecond}})
		start := time.Now()
		p.send(t, "a")
		mdnstest.Advance(99 * time.Millisecond)
		if g := p.rx.take(); len(g) != 0 {
			t.Fatalf("delivered after 99ms of a 100ms delay: %+v", g)
		}
		mdnstest.Advance(time.Millisecond)
		if g := p.rx.datas(); !equal(g, []string{"a"}) {
			t.Fatalf("after 100ms got %q", g)
		}
		pk := p.link.Packets()[0]
		if pk.Time != start || pk.Deliveries[0].Time.Sub(start) != 100*time.Millisecond {
			t.Errorf("sent at +%v, delivered at +%v", pk.Time.Sub(start), pk.Deliveries[0].Time.Sub(start))
		}
	})
}

// jitterRun sends 20 packets at one instant over a link with jitter and
// returns the arrival order.
func jitterRun(t *testing.T) []string {
	var got []string
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, mdnstest.LinkConfig{Seed: 1, Faults: mdnstest.Faults{Delay: 10 * time.Millisecond, Jitter: 50 * time.Millisecond}})
		start := time.Now()
		p.send(t, numbered(20)...)
		mdnstest.Advance(60 * time.Millisecond)
		got = p.rx.datas()
		for _, pk := range p.link.Packets() {
			if d := pk.Deliveries[0].Time.Sub(start); d < 10*time.Millisecond || d >= 60*time.Millisecond {
				t.Errorf("packet %d arrived at +%v, outside [10ms, 60ms)", pk.Seq, d)
			}
		}
	})
	return got
}

func TestJitterReordersDeterministically(t *testing.T) {
	a, b := jitterRun(t), jitterRun(t)
	if len(a) != 20 || !equal(a, b) {
		t.Fatalf("runs differ or lost packets:\n%q\n%q", a, b)
	}
	if slices.IsSorted(a) {
		t.Errorf("50ms of jitter kept 20 simultaneous packets in order: %q", a)
	}
}

func TestReorderSwapsWithNextPacket(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := newPair(t, mdnstest.LinkConfig{Faults: mdnstest.Faults{Reorder: 1}})
		start := time.Now()
		p.send(t, "first")
		p.link.SetFaults(mdnstest.Faults{})
		p.send(t, "second", "third")
		synctest.Wait()
		if g := p.rx.datas(); !equal(g, []string{"second", "first", "third"}) {
			t.Errorf("got %q", g)
		}
		if st := p.link.Stats(); st.Reordered != 1 {
			t.Errorf("stats %+v", st)
		}

		// With nothing after it, a held packet goes after the timeout.
		p.link.SetFaults(mdnstest.Faults{Reorder: 1, ReorderTimeout: 30 * time.Millisecond})
		p.send(t, "alone")
		mdnstest.Advance(29 * time.Millisecond)
		if g := p.rx.take(); len(g) != 0 {
			t.Errorf("held packet arrived early: %+v", g)
		}
		mdnstest.Advance(time.Millisecond)
		if g := p.rx.datas(); !equal(g, []string{"alone"}) {
			t.Errorf("got %q", g)
		}
		if pk := p.link.Packets()[3]; pk.Deliveries[0].Time.Sub(start) != 30*time.Millisecond {
			t.Errorf("held packet delivered at +%v", pk.Deliveries[0].Time.Sub(start))
		}
	})
}

func TestHookDropsAndRewrites(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var seen []uint64
		p := newPair(t, mdnstest.LinkConfig{Faults: mdnstest.Faults{Hook: func(pk *mdnstest.Packet) mdnstest.Verdict {
			seen = append(seen, pk.Seq)
			if bytes.Equal(pk.Data, []byte("drop me")) {
				return mdnstest.Drop
			}
			pk.Data = bytes.ToUpper(pk.Data)
			return mdnstest.Deliver
		}}})
		msg := []byte("keep me")
		if _, err := p.tx.WriteTo(msg, group4, eth0); err != nil {
			t.Fatal(err)
		}
		p.send(t, "drop me")
		synctest.Wait()
		if g := p.rx.datas(); !equal(g, []string{"KEEP ME"}) {
			t.Errorf("got %q", g)
		}
		if string(msg) != "keep me" {
			t.Errorf("hook changed the sender's buffer: %q", msg)
		}
		pk := p.link.Packets()
		if string(pk[0].Data) != "KEEP ME" || pk[1].Dropped != mdnstest.DropHook || !equal(seen, []uint64{1, 2}) {
			t.Errorf("log %+v, hook saw %v", pk, seen)
		}
		if st := p.link.Stats(); st.HookDropped != 1 {
			t.Errorf("stats %+v", st)
		}
	})
}

// TestFaultLogIsReproducible runs every random fault at once, twice, and
// compares the logs.
func TestFaultLogIsReproducible(t *testing.T) {
	run := func() string {
		var log bytes.Buffer
		synctest.Test(t, func(t *testing.T) {
			p := newPair(t, mdnstest.LinkConfig{Seed: 42, Faults: mdnstest.Faults{
				Loss: 0.2, Duplicate: 0.2, Reorder: 0.2, Delay: time.Millisecond, Jitter: 20 * time.Millisecond,
			}})
			start := time.Now()
			for _, m := range numbered(100) {
				p.send(t, m)
				time.Sleep(3 * time.Millisecond)
			}
			mdnstest.Advance(time.Second)
			for _, pk := range p.link.Packets() {
				fmt.Fprintf(&log, "%d %s +%v %q", pk.Seq, pk.Dropped, pk.Time.Sub(start), pk.Data)
				for _, d := range pk.Deliveries {
					fmt.Fprintf(&log, " [%s %d +%v]", d.Host, d.Copy, d.Time.Sub(start))
				}
				log.WriteString("\n")
			}
			st := p.link.Stats()
			if st.Lost == 0 || st.Duplicated == 0 || st.Reordered == 0 {
				t.Errorf("not every fault fired: %+v", st)
			}
			got := p.rx.datas()
			if slices.IsSorted(got) {
				t.Errorf("no reordering in %q", got)
			}
			fmt.Fprintf(&log, "%+v %q\n", st, got)
		})
		return log.String()
	}
	a, b := run(), run()
	if a != b {
		t.Errorf("same seed, different logs:\n%s\n---\n%s", a, b)
	}
}
