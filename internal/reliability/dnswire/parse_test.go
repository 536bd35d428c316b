package dnswire

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// Real captures (Avahi 0.8 and python-zeroconf, testdata/captures/mdns)
// parse, and every record names something.
func TestParseCaptures(t *testing.T) {
	files, _ := filepath.Glob("../../../testdata/captures/mdns/*.bin")
	if len(files) < 10 {
		t.Fatalf("found %d captures", len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := Parse(b)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(f), err)
			continue
		}
		if len(m.Question)+len(m.Records()) == 0 {
			t.Errorf("%s: empty message", filepath.Base(f))
		}
		for _, r := range m.Records() {
			if r.Name == "" || r.Name[len(r.Name)-1] != '.' {
				t.Errorf("%s: record name %q", filepath.Base(f), r.Name)
			}
		}
	}
}

// What the builder writes, the parser reads back; names come back lower
// case, and the same record compressed and not has one Key.
func TestBuildParse(t *testing.T) {
	b := NewResponse().
		Add(Answer, "_x._tcp.local", TypePTR, ClassIN, 4500, AppendName(nil, "Flood 1._x._tcp.local")).
		Add(Additional, "Flood 1._x._tcp.local", TypeSRV, ClassIN|FlushBit, 120, SRVData(9, "H.local")).
		Add(Additional, "h.local", TypeA, ClassIN|FlushBit, 0, []byte{10, 0, 0, 1}).
		Bytes()
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Response() || len(m.Answer) != 1 || len(m.Extra) != 2 {
		t.Fatalf("parsed %+v", m)
	}
	if got := string(m.Answer[0].Data); got != `flood\0321._x._tcp.local.` {
		t.Errorf("PTR data %q", got)
	}
	if got := m.Extra[0].Data; !bytes.Equal(got[:6], []byte{0, 0, 0, 0, 0, 9}) || string(got[6:]) != "h.local." {
		t.Errorf("SRV data %q", got)
	}
	if m.Goodbye() {
		t.Error("a response with TTLs is no goodbye")
	}

	// The SRV target compressed against the owner name.
	c := []byte{0, 0, 0x84, 0, 0, 0, 0, 1, 0, 0, 0, 0}
	c = append(c, AppendName(nil, "h.local")...) // offset 12
	c = append(c, 0, 33, 0x80, 1, 0, 0, 0, 120, 0, 8, 0, 0, 0, 0, 0, 9, 0xC0, 12)
	cm, err := Parse(c)
	if err != nil {
		t.Fatal(err)
	}
	srv := Record{Name: "h.local.", Type: TypeSRV, Data: append([]byte{0, 0, 0, 0, 0, 9}, "h.local."...)}
	if cm.Answer[0].Key() != srv.Key() {
		t.Errorf("compressed SRV key %q, want %q", cm.Answer[0].Key(), srv.Key())
	}
}

func TestParseRefuses(t *testing.T) {
	loop := []byte{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xC0, 12, 0, 1, 0, 1}
	lie := []byte{0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0}
	for name, b := range map[string][]byte{"short": {1, 2}, "loop": loop, "counts": lie, "huge": make([]byte, MaxMessage+1)} {
		if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: err %v, want ErrMalformed", name, err)
		}
	}
}

// FuzzParse: hostile bytes never crash the parser or make it read past
// the buffer, and what parses has sane names. Seeds: the real captures.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("../../../testdata/captures/mdns/*.bin")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		for _, r := range m.Records() {
			if len(r.Name) > 4*maxName+1 {
				t.Fatalf("name of %d bytes", len(r.Name))
			}
			_ = r.Key()
		}
	})
}
