package mdns

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

func manyTXT(n, size int) []dnsmsg.RR {
	var out []dnsmsg.RR
	for i := 0; i < n; i++ {
		s := make([]byte, size)
		for j := range s {
			s[j] = 'a' + byte(j%26)
		}
		out = append(out, txtRR(fmt.Sprintf("inst%d._x._tcp.local.", i), 4500, [][]byte{s}))
	}
	return out
}

// RFC 6762 §17: messages fit the interface and never exceed 9000 bytes.
func TestPackSplitsResponsesToTheLimit(t *testing.T) {
	m := &outMsg{response: true, authoritative: true, answers: manyTXT(20, 200)}
	limit := payloadLimit(1500, false)
	msgs := pack(m, limit)
	if len(msgs) < 3 {
		t.Fatalf("20×200-byte answers in %d messages", len(msgs))
	}
	total := 0
	for _, b := range msgs {
		if len(b) > limit {
			t.Errorf("message of %d bytes exceeds %d", len(b), limit)
		}
		var d dnsmsg.Msg
		if err := d.Unpack(b); err != nil {
			t.Fatal(err)
		}
		if d.Truncated {
			t.Error("a response must not set TC")
		}
		total += len(d.Answer)
	}
	if total != 20 {
		t.Errorf("%d answers arrived, want 20", total)
	}
}

// RFC 6762 §7.2: a known-answer list that does not fit continues in further
// messages; all but the last carry TC, and only the first the questions.
func TestPackSplitsKnownAnswersWithTC(t *testing.T) {
	m := &outMsg{
		questions: []dnsmsg.Question{{Name: "_x._tcp.local.", Qtype: dnsmsg.TypePTR, Qclass: dnsmsg.ClassINET}},
		answers:   manyTXT(30, 150),
	}
	msgs := pack(m, payloadLimit(1500, true))
	if len(msgs) < 2 {
		t.Fatalf("got %d messages", len(msgs))
	}
	for i, b := range msgs {
		var d dnsmsg.Msg
		if err := d.Unpack(b); err != nil {
			t.Fatal(err)
		}
		last := i == len(msgs)-1
		if d.Truncated == last {
			t.Errorf("message %d/%d: TC=%v", i+1, len(msgs), d.Truncated)
		}
		if (len(d.Question) > 0) != (i == 0) {
			t.Errorf("message %d has %d questions", i, len(d.Question))
		}
	}
}

func TestPackOversizedRecordGetsItsOwnMessage(t *testing.T) {
	big := txtRR("big._x._tcp.local.", 4500, [][]byte{make([]byte, 255), make([]byte, 255), make([]byte, 255), make([]byte, 255), make([]byte, 255), make([]byte, 255), make([]byte, 255)})
	m := &outMsg{response: true, answers: []dnsmsg.RR{manyTXT(1, 10)[0], big}}
	msgs := pack(m, 600)
	if len(msgs) != 2 {
		t.Fatalf("got %d messages, want 2", len(msgs))
	}
	if len(msgs[1]) <= 600 || len(msgs[1]) > MaxPacketSize {
		t.Errorf("oversized record sent in %d bytes", len(msgs[1]))
	}
}

func TestPayloadLimit(t *testing.T) {
	for _, c := range []struct {
		mtu  int
		v6   bool
		want int
	}{{1500, false, 1472}, {1500, true, 1452}, {65536, false, 9000}, {0, false, 9000}, {100, false, 512}} {
		if got := payloadLimit(c.mtu, c.v6); got != c.want {
			t.Errorf("payloadLimit(%d, %v) = %d, want %d", c.mtu, c.v6, got, c.want)
		}
	}
}

// RFC 6763 §12: each answer travels with its own additional records. A
// response too large for one message is split between instances, never
// inside one: a browser gets every instance whole (PTR with SRV, TXT and
// the host's address) and needs no further question.
func TestPackKeepsInstancesWhole(t *testing.T) {
	m := &outMsg{response: true, authoritative: true}
	host := &dnsmsg.A{Hdr: hdr("h1.local.", dnsmsg.TypeA, 120), Addr: netip.MustParseAddr("10.0.0.1")}
	m.additional = append(m.additional, host)
	for i := range 60 {
		inst := fmt.Sprintf("Instance\\ %02d._x._tcp.local.", i)
		m.answers = append(m.answers, &dnsmsg.PTR{Hdr: hdr("_x._tcp.local.", dnsmsg.TypePTR, 4500), Ptr: inst})
		j := len(m.additional)
		m.additional = append(m.additional,
			&dnsmsg.SRV{Hdr: hdr(inst, dnsmsg.TypeSRV, 120), Port: 80, Target: "h1.local."},
			txtRR(inst, 4500, [][]byte{[]byte(fmt.Sprintf("n=%d", i)), make([]byte, 40)}))
		m.with = append(m.with, []int{j, j + 1, 0})
	}
	limit := payloadLimit(1500, false)
	msgs := pack(m, limit)
	seen := map[string]bool{}
	for k, b := range msgs {
		if len(b) > limit {
			t.Errorf("message %d: %d bytes, limit %d", k, len(b), limit)
		}
		var d dnsmsg.Msg
		if err := d.Unpack(b); err != nil {
			t.Fatal(err)
		}
		extra := map[string]bool{}
		for _, rr := range d.Extra {
			extra[fmt.Sprint(rr.Header().Type, " ", canonical(rr.Header().Name))] = true
		}
		for _, rr := range d.Answer {
			inst := canonical(rr.(*dnsmsg.PTR).Ptr)
			if seen[inst] {
				t.Errorf("%s answered twice", inst)
			}
			seen[inst] = true
			if !extra[fmt.Sprint(dnsmsg.TypeSRV, " ", inst)] || !extra[fmt.Sprint(dnsmsg.TypeTXT, " ", inst)] || !extra[fmt.Sprint(dnsmsg.TypeA, " h1.local.")] {
				t.Errorf("message %d: %s without its SRV, TXT or address", k, inst)
			}
		}
	}
	if len(seen) != 60 {
		t.Errorf("%d of 60 instances sent", len(seen))
	}
	t.Logf("60 instances in %d messages", len(msgs))
}

// wireLen follows Msg.Len exactly for records whose names are compressed
// (PTR, A, AAAA, TXT), whatever the order and the escapes in the names,
// and never falls below it (nor below the packed length) when SRV or NSEC
// records bring names that are not.
func TestWireLenMatchesMsgLen(t *testing.T) {
	rnd := rand.New(rand.NewPCG(3, 4))
	label := func() string {
		const chars = "abcXYZ09-_ .\\\"é"
		n := 1 + rnd.IntN(12)
		var b []byte
		for range n {
			b = append(b, chars[rnd.IntN(len(chars))])
		}
		return escapeLabel(string(b))
	}
	suffixes := []string{"local.", "_x._tcp.local.", "_y._udp.local.", "h1.local."}
	name := func() string {
		s := suffixes[rnd.IntN(len(suffixes))]
		if rnd.IntN(3) > 0 {
			s = label() + "." + s
		}
		return s
	}
	record := func(uncompressed bool) dnsmsg.RR {
		k := rnd.IntN(4)
		if uncompressed {
			k = 4 + rnd.IntN(2)
		}
		switch k {
		case 0:
			return &dnsmsg.PTR{Hdr: hdr(name(), dnsmsg.TypePTR, 120), Ptr: name()}
		case 1:
			return &dnsmsg.A{Hdr: hdr(name(), dnsmsg.TypeA, 120), Addr: netip.AddrFrom4([4]byte{10, 0, 0, byte(rnd.IntN(255))})}
		case 2:
			return &dnsmsg.AAAA{Hdr: hdr(name(), dnsmsg.TypeAAAA, 120), Addr: netip.MustParseAddr("fe80::1")}
		case 3:
			return txtRR(name(), 4500, [][]byte{[]byte(label()), {0, 1, '"'}})
		case 4:
			return &dnsmsg.SRV{Hdr: hdr(name(), dnsmsg.TypeSRV, 120), Port: 80, Target: name()}
		}
		return &dnsmsg.NSEC{Hdr: hdr(name(), dnsmsg.TypeNSEC, 120), NextDomain: name(), TypeBitMap: []uint16{dnsmsg.TypeA, dnsmsg.TypeTXT}}
	}
	for trial := range 500 {
		mixed := trial%2 == 1
		d := new(dnsmsg.Msg)
		d.Question = []dnsmsg.Question{{Name: name(), Qtype: dnsmsg.TypePTR, Qclass: dnsmsg.ClassINET}}
		w := newWireLen()
		w.question(d.Question[0])
		for range 1 + rnd.IntN(30) {
			rr := record(mixed && rnd.IntN(3) == 0)
			if !w.add(rr) {
				t.Fatalf("wireLen does not know %T", rr)
			}
			if rnd.IntN(2) == 0 {
				d.Answer = append(d.Answer, rr)
			} else {
				d.Extra = append(d.Extra, rr)
			}
		}
		want := d.Len()
		b, err := d.Pack()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case !mixed && w.n != want:
			t.Fatalf("trial %d: wireLen %d, Msg.Len %d\n%v", trial, w.n, want, d)
		case w.n < want || w.n < len(b):
			t.Fatalf("trial %d: wireLen %d below Msg.Len %d or the packed %d\n%v", trial, w.n, want, len(b), d)
		}
		w.release()
	}
}
