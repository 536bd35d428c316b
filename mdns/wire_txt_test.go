package mdns

import (
	"bytes"
	"testing"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// TXT bytes must reach the wire exactly: backslashes, quotes and binary
// bytes included.
func TestTXTRoundTripThroughWire(t *testing.T) {
	cases := [][][]byte{
		nil, // RFC 6763 §6.1: one empty string, never an empty RDATA
		{[]byte("")},
		{[]byte("k=v"), []byte("flag"), []byte("empty=")},
		{[]byte(`a\b`), []byte(`q="x"`), []byte{0, 1, 0xff, '\\', '0', '1', '2'}},
		{bytes.Repeat([]byte{0xab}, 255)},
	}
	for _, strs := range cases {
		rr := txtRR("x.local.", 120, strs)
		m := new(dnsmsg.Msg)
		m.Answer = []dnsmsg.RR{rr}
		b, err := m.Pack()
		if err != nil {
			t.Fatalf("pack %q: %v", strs, err)
		}
		var back dnsmsg.Msg
		if err := back.Unpack(b); err != nil {
			t.Fatal(err)
		}
		got := txtStrings(back.Answer[0].(*dnsmsg.TXT))
		want := strs
		if len(want) == 0 {
			want = [][]byte{{}}
		}
		if len(got) != len(want) {
			t.Fatalf("%q: got %d strings %q", strs, len(got), got)
		}
		for i := range want {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("string %d: got %q want %q", i, got[i], want[i])
			}
		}
		if rdl := len(dnsmsg.Rdata(back.Answer[0])); rdl == 0 {
			t.Errorf("%q: empty RDATA on the wire", strs)
		}
	}
}
