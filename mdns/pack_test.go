package mdns

import (
	"fmt"
	"testing"

	"github.com/miekg/dns"
)

func manyTXT(n, size int) []dns.RR {
	var out []dns.RR
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
		var d dns.Msg
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
		questions: []dns.Question{{Name: "_x._tcp.local.", Qtype: dns.TypePTR, Qclass: dns.ClassINET}},
		answers:   manyTXT(30, 150),
	}
	msgs := pack(m, payloadLimit(1500, true))
	if len(msgs) < 2 {
		t.Fatalf("got %d messages", len(msgs))
	}
	for i, b := range msgs {
		var d dns.Msg
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
	m := &outMsg{response: true, answers: []dns.RR{manyTXT(1, 10)[0], big}}
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
