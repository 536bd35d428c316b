package txt_test

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

// TestMicroGolden: every go-micro encoding decodes to its input, and the
// current-order ones re-encode to exactly go-micro's strings.
func TestMicroGolden(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			want := v.micro()
			mirror := v.micro()
			mirror.Metadata = map[string]string{"domain": "micro"} // go-micro v3 global mirror
			for k, val := range want.Metadata {
				mirror.Metadata[k] = val
			}
			for _, c := range []struct {
				name string
				enc  goMicroTXT
				want txt.Micro
			}{
				{"current", v.TXT, want},
				{"legacy", v.LegacyTXT, want},
				{"global_mirror_legacy", v.MirrorTXT, mirror},
			} {
				strs, err := txt.SplitRData(c.enc.rdata(t))
				if err != nil {
					t.Fatalf("%s: SplitRData: %v", c.name, err)
				}
				if !reflect.DeepEqual(strs, c.enc.strs()) {
					t.Fatalf("%s: SplitRData gives other strings than the vector lists", c.name)
				}
				got, err := txt.DecodeMicro(strs)
				if err != nil {
					t.Fatalf("%s: DecodeMicro: %v", c.name, err)
				}
				if !reflect.DeepEqual(got, c.want) {
					t.Errorf("%s: DecodeMicro =\n%+v\nwant\n%+v", c.name, got, c.want)
				}
			}
			enc, err := txt.EncodeMicro(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(enc, v.TXT.strs()) {
				t.Errorf("EncodeMicro differs from go-micro:\n got %q\nwant %q", enc, v.TXT.Strings)
			}
			rd, err := txt.JoinRData(enc)
			if err != nil || !bytes.Equal(rd, v.TXT.rdata(t)) {
				t.Errorf("JoinRData(EncodeMicro) differs from go-micro's RDATA (err %v)", err)
			}
		})
	}
}

func microStrings(t *testing.T, js string, level int, chunk int, upper bool) [][]byte {
	t.Helper()
	var z bytes.Buffer
	w, err := zlib.NewWriterLevel(&z, level)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(js))
	w.Close()
	h := hex.EncodeToString(z.Bytes())
	if upper {
		h = strings.ToUpper(h)
	}
	var strs [][]byte
	for len(h) > chunk {
		strs = append(strs, []byte(h[:chunk]))
		h = h[chunk:]
	}
	return append(strs, []byte(h))
}

// TestMicroDecodeLenient: any zlib level, any chunking, upper-case hex,
// either key order, unknown keys kept in Extra.
func TestMicroDecodeLenient(t *testing.T) {
	v := loadVectors(t)[1]
	want := v.micro()
	for _, js := range []string{v.JSON, v.LegacyJSON} {
		for _, level := range []int{zlib.NoCompression, zlib.BestSpeed, zlib.BestCompression, zlib.HuffmanOnly} {
			for _, chunk := range []int{1, 7, 254, 255} {
				for _, upper := range []bool{false, true} {
					got, err := txt.DecodeMicro(microStrings(t, js, level, chunk, upper))
					if err != nil {
						t.Fatalf("level %d chunk %d upper %v: %v", level, chunk, upper, err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("level %d chunk %d upper %v: got %+v", level, chunk, upper, got)
					}
				}
			}
		}
	}
}

func TestMicroExtra(t *testing.T) {
	js := `{"Domain":"dev","TTL":120,"Metadata":{"domain":"dev"},"service":"x","Version":"1","Endpoints":[],"Nested":{"b":"<&>", "a":[1, 2]}}`
	got, err := txt.DecodeMicro(microStrings(t, js, 6, 255, false))
	if err != nil {
		t.Fatal(err)
	}
	want := txt.Micro{
		Service: "x",
		Payload: txt.Payload{Version: "1", Metadata: map[string]string{"domain": "dev"}, Endpoints: []*txt.Endpoint{}},
		Extra: map[string]json.RawMessage{
			"Domain": json.RawMessage(`"dev"`),
			"TTL":    json.RawMessage(`120`),
			"Nested": json.RawMessage(`{"b":"\u003c\u0026\u003e","a":[1,2]}`),
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	enc, err := txt.EncodeMicro(got)
	if err != nil {
		t.Fatal(err)
	}
	z, _ := hex.DecodeString(string(bytes.Join(enc, nil)))
	r, _ := zlib.NewReader(bytes.NewReader(z))
	var buf bytes.Buffer
	buf.ReadFrom(r)
	const wantJSON = `{"Metadata":{"domain":"dev"},"Service":"x","Version":"1","Endpoints":[],"Domain":"dev","Nested":{"b":"\u003c\u0026\u003e","a":[1,2]},"TTL":120}`
	if buf.String() != wantJSON {
		t.Errorf("JSON\n got %s\nwant %s", buf.String(), wantJSON)
	}
	again, err := txt.DecodeMicro(enc)
	if err != nil || !reflect.DeepEqual(again, got) {
		t.Errorf("round trip: %+v, %v", again, err)
	}

	_, err = txt.EncodeMicro(txt.Micro{Extra: map[string]json.RawMessage{"service": json.RawMessage(`"y"`)}})
	if !errors.Is(err, txt.ErrInvalidPayload) {
		t.Errorf("colliding extra key: err = %v, want ErrInvalidPayload", err)
	}
	_, err = txt.EncodeMicro(txt.Micro{Extra: map[string]json.RawMessage{"Bad": json.RawMessage(`{`)}})
	if !errors.Is(err, txt.ErrInvalidPayload) {
		t.Errorf("invalid extra JSON: err = %v, want ErrInvalidPayload", err)
	}
}

func TestDecodeMicroErrors(t *testing.T) {
	good := loadVectors(t)[0].TXT.Strings[0]
	bomb := microStrings(t, strings.Repeat(" ", txt.MaxInflatedSize)+"{}", 9, 255, false)
	cases := []struct {
		name string
		strs [][]byte
		want error
		msg  string
	}{
		{"empty", strsOf(""), txt.ErrMalformed, "micro payload: byte 0: empty TXT record"},
		{"odd", strsOf("789", "c0"), txt.ErrMalformed, "micro payload: byte 5: odd number (5) of hex digits"},
		{"not hex", strsOf("789c", "00path=/"), txt.ErrMalformed, `micro payload string 1: byte 2: 'p' is not a hex digit`},
		{"key=value", strsOf("txtvers=1"), txt.ErrMalformed, "odd number"},
		{"bad zlib header", strsOf("0000"), txt.ErrMalformed, "micro payload (zlib bytes): byte 0: zlib: invalid header"},
		{"truncated", strsOf(good[:len(good)-20]), txt.ErrMalformed, "compressed data ends early"},
		{"bad checksum", strsOf(good[:len(good)-2] + "00"), txt.ErrMalformed, "zlib: invalid checksum"},
		{"bad JSON", microStrings(t, `{"Service":`, 6, 255, false), txt.ErrMalformed, "micro payload JSON: byte 11"},
		{"wrong type", microStrings(t, `{"Service":5}`, 6, 255, false), txt.ErrMalformed, "micro payload JSON: byte 12"},
		{"zip bomb", bomb, txt.ErrTooLarge, "inflates to more than 65536 bytes"},
	}
	for _, c := range cases {
		_, err := txt.DecodeMicro(c.strs)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "txt: ") {
			t.Errorf("%s: err = %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
	}
}

func TestEncodeMicroTooLarge(t *testing.T) {
	x := uint32(7)
	var b strings.Builder
	for b.Len() < 9000 {
		x = x*1664525 + 1013904223
		b.WriteByte("0123456789abcdef"[x>>28])
	}
	_, err := txt.EncodeMicro(txt.Micro{Payload: txt.Payload{Metadata: map[string]string{"noise": b.String()}}})
	if !errors.Is(err, txt.ErrTooLarge) || !strings.Contains(err.Error(), "max 8900") {
		t.Errorf("err = %v, want ErrTooLarge", err)
	}
	_, err = txt.EncodeMicro(txt.Micro{Service: strings.Repeat("a", txt.MaxInflatedSize)})
	if !errors.Is(err, txt.ErrTooLarge) || !strings.Contains(err.Error(), "JSON is") {
		t.Errorf("err = %v, want ErrTooLarge for the JSON size", err)
	}
}
