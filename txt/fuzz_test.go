package txt_test

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

// addSeeds adds the TXT RDATA captured from Avahi and python-zeroconf
// (testdata/captures/txt), go-micro's encodings of its reference vectors
// (txt/testdata/rdata) and our DNS-SD encodings of the same services.
func addSeeds(f *testing.F) {
	f.Helper()
	files, _ := filepath.Glob("../testdata/captures/txt/*.bin")
	more, _ := filepath.Glob("testdata/rdata/*.bin")
	files = append(files, more...)
	if len(files) < 15 {
		f.Fatalf("only %d seed files", len(files))
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, v := range loadVectors(f) {
		strs, err := txt.EncodePayload(v.payload())
		if err != nil {
			f.Fatal(err)
		}
		rd, _ := txt.JoinRData(strs)
		f.Add(rd)
	}
	f.Add([]byte{})
	f.Add([]byte("\x00"))
	f.Add([]byte("\x04=abc\x03a=b\x03A=c\x01k"))
	f.Add([]byte("\x09txtvers=1\x09version=1\x05ep0=A"))
}

func FuzzSplitRData(f *testing.F) {
	addSeeds(f)
	f.Add([]byte("\x05ab"))
	f.Fuzz(func(t *testing.T, rdata []byte) {
		strs, err := txt.SplitRData(rdata)
		if err != nil {
			var syn *txt.SyntaxError
			if !errors.As(err, &syn) && !errors.Is(err, txt.ErrTooLarge) {
				t.Fatalf("error without position: %v", err)
			}
			return
		}
		back, err := txt.JoinRData(strs)
		if err != nil {
			t.Fatalf("JoinRData(SplitRData(%q)): %v", rdata, err)
		}
		want := rdata
		if len(rdata) == 0 {
			want = []byte{0} // RFC 6763 §6.1
		}
		if !bytes.Equal(back, want) {
			t.Fatalf("JoinRData(SplitRData(%q)) = %q", rdata, back)
		}
	})
}

func FuzzDecode(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, rdata []byte) {
		strs, err := txt.SplitRData(rdata)
		if err != nil {
			return
		}
		a1 := txt.Decode(strs)
		enc, err := txt.Encode(a1)
		if err != nil {
			t.Fatalf("Encode(Decode(%q)): %v", rdata, err) // decoded attributes must re-encode
		}
		if a2 := txt.Decode(enc); !a1.Equal(a2) {
			t.Fatalf("unstable round trip: %q → %q", a1, a2)
		}
		if a1.Size() != txt.RDataSize(enc) {
			t.Fatalf("Size %d, RDATA %d", a1.Size(), txt.RDataSize(enc))
		}
		for _, at := range a1 {
			if v, ok := a1.Get(at.Key); !ok || !bytes.Equal(v, at.Value) || (v == nil) != (at.Value == nil) {
				t.Fatalf("Get(%q) = %q, %v; want %q", at.Key, v, ok, at.Value)
			}
		}
	})
}

func FuzzDecodePayload(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, rdata []byte) {
		strs, err := txt.SplitRData(rdata)
		if err != nil {
			return
		}
		p1, err := txt.DecodePayload(strs)
		if err != nil {
			return
		}
		enc, err := txt.EncodePayload(p1)
		if errors.Is(err, txt.ErrTooLarge) {
			return // the input carried more than a payload may
		}
		if err != nil {
			t.Fatalf("EncodePayload(DecodePayload(%q)): %v", rdata, err)
		}
		p2, err := txt.DecodePayload(enc)
		if err != nil {
			t.Fatalf("DecodePayload(EncodePayload(%#v)): %v", p1, err)
		}
		if !reflect.DeepEqual(p1, p2) {
			t.Fatalf("unstable round trip:\n%#v\n%#v", p1, p2)
		}
	})
}

func checkMicro(t *testing.T, strs [][]byte) {
	m1, err := txt.DecodeMicro(strs)
	if err != nil {
		return
	}
	enc, err := txt.EncodeMicro(m1)
	if errors.Is(err, txt.ErrTooLarge) {
		return // re-encoding may escape or compress less than the input did
	}
	if err != nil {
		t.Fatalf("EncodeMicro(DecodeMicro(%q)): %v", strs, err)
	}
	m2, err := txt.DecodeMicro(enc)
	if err != nil {
		t.Fatalf("DecodeMicro(EncodeMicro(%#v)): %v", m1, err)
	}
	if !reflect.DeepEqual(m1, m2) {
		t.Fatalf("unstable round trip:\n%#v\n%#v", m1, m2)
	}
}

func FuzzDecodeMicro(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, rdata []byte) {
		if strs, err := txt.SplitRData(rdata); err == nil {
			checkMicro(t, strs)
		}
	})
}

// FuzzMicroJSON reaches the JSON decoding, which random hex rarely does.
func FuzzMicroJSON(f *testing.F) {
	for _, v := range loadVectors(f) {
		f.Add([]byte(v.JSON))
		f.Add([]byte(v.LegacyJSON))
		f.Add([]byte(v.MirrorJSON))
	}
	f.Add([]byte(`{"Domain":"dev","metadata":{"a":null},"Endpoints":[null,{"request":{"values":[null]}}],"x":[1,{"<":"&"}]}`))
	f.Add([]byte(`null`))
	// One writer, Reset for each input: a new one allocates 800 KB, which
	// was most of this target's time.
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	f.Fuzz(func(t *testing.T, js []byte) {
		z.Reset()
		w.Reset(&z)
		w.Write(js)
		w.Close()
		h := hex.EncodeToString(z.Bytes())
		var strs [][]byte
		for len(h) > 200 {
			strs = append(strs, []byte(h[:200]))
			h = h[200:]
		}
		checkMicro(t, append(strs, []byte(h)))
	})
}
