package mdnstest

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
	"net/netip"
	"time"
)

// Faults are impairments a [Link] applies to every packet it carries. The
// zero value is a perfect link: no loss, no delay, delivery in send order.
//
// The random faults are deterministic: a packet's fate is drawn from a
// generator seeded with [LinkConfig.Seed] and the packet itself (source,
// destination, send time, bytes), so it does not depend on how goroutines
// happen to interleave at one virtual instant.
type Faults struct {
	// Loss is the probability that a packet is lost.
	Loss float64
	// Duplicate is the probability that a packet is delivered twice; the
	// copy gets its own delay.
	Duplicate float64
	// Delay is added to every packet; Jitter adds a further uniformly
	// random delay in [0, Jitter), which reorders packets sent closer
	// together than Jitter.
	Delay, Jitter time.Duration
	// Reorder is the probability that a packet is held back and delivered
	// just after the next packet sent on the link, or after ReorderTimeout
	// (zero: 100ms) if no packet follows.
	Reorder        float64
	ReorderTimeout time.Duration
	// Hook, if set, sees every packet before the random faults, on the
	// sending goroutine and without the link's lock held. It may replace
	// or change p.Data (the receivers and the log get the new bytes; other
	// changes to p are ignored) and returns Drop to discard the packet. It
	// must not send on the link.
	Hook func(p *Packet) Verdict
}

const defaultReorderTimeout = 100 * time.Millisecond

// fate is what the random faults decided for one packet.
type fate struct {
	lost   bool
	copies int
	delay  [2]time.Duration
	held   [2]bool
}

// decide draws a packet's fate from rng. It always makes the same draws in
// the same order, so changing one fault's setting does not change the
// outcome of the others.
func (f *Faults) decide(rng *rand.Rand) fate {
	loss, dup := rng.Float64(), rng.Float64()
	out := fate{lost: loss < f.Loss, copies: 1}
	if dup < f.Duplicate {
		out.copies = 2
	}
	for i := range out.delay {
		jitter, reorder := rng.Float64(), rng.Float64()
		out.delay[i] = f.Delay
		if f.Jitter > 0 {
			out.delay[i] += time.Duration(jitter * float64(f.Jitter))
		}
		out.held[i] = reorder < f.Reorder
	}
	return out
}

// packetKey hashes what identifies a packet: who sent what to whom, when.
func packetKey(src, dst netip.AddrPort, at time.Time, data []byte) uint64 {
	h := fnv.New64a()
	var buf [8]byte
	for _, ap := range []netip.AddrPort{src, dst} {
		a := ap.Addr().As16()
		h.Write(a[:])
		binary.BigEndian.PutUint16(buf[:2], ap.Port())
		h.Write(buf[:2])
	}
	binary.BigEndian.PutUint64(buf[:], uint64(at.UnixNano()))
	h.Write(buf[:])
	h.Write(data)
	return h.Sum64()
}
