package dnsmsg

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzUnpack feeds the decoder arbitrary datagrams, seeded with real
// captures. Whatever it reads packs again and reads back the same: the
// decoder only produces names, strings and RDATA the encoder accepts.
// Agreement with miekg/dns is not asserted here: the differences are
// intended (miekg_test.go) and TestMiekgDifferencesAreDocumented sorts
// them.
func FuzzUnpack(f *testing.F) {
	for _, c := range captures(f) {
		f.Add(c.data)
	}
	for _, s := range samples() {
		if s.name == "large" {
			continue // the fuzzer works on small inputs
		}
		b, err := s.msg.Pack()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var m Msg
		if err := m.Unpack(b); err != nil {
			if !errors.Is(err, ErrShort) && !errors.Is(err, ErrName) && !errors.Is(err, ErrRdata) {
				t.Fatalf("unclassified error: %v", err)
			}
			return
		}
		p, err := m.Pack()
		if err != nil {
			t.Fatalf("read but cannot pack: %v\n%s", err, dump(&m))
		}
		if n := m.Len(); n != len(p) {
			t.Fatalf("Len %d, packed %d", n, len(p))
		}
		var again Msg
		if err := again.Unpack(p); err != nil {
			t.Fatalf("repacked message unreadable: %v\n%s", err, dump(&m))
		}
		if !equalMsg(&again, &m) {
			t.Fatalf("round trip\n got %s\nwant %s", dump(&again), dump(&m))
		}
		if p2, err := again.Pack(); err != nil || !bytes.Equal(p2, p) {
			t.Fatalf("packing is not deterministic (%v)", err)
		}
	})
}
