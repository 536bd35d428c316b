package txt_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

func strsOf(ss ...string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func roundTrip(t *testing.T, name string, p txt.Payload) [][]byte {
	t.Helper()
	strs, err := txt.EncodePayload(p)
	if err != nil {
		t.Fatalf("%s: EncodePayload: %v", name, err)
	}
	got, err := txt.DecodePayload(strs)
	if err != nil {
		t.Fatalf("%s: DecodePayload: %v", name, err)
	}
	if !reflect.DeepEqual(got, p) {
		t.Fatalf("%s: round trip\n got %#v\nwant %#v", name, got, p)
	}
	return strs
}

func TestPayloadRoundTrip(t *testing.T) {
	val := &txt.Value{Name: "Req", Type: "Req", Values: []*txt.Value{{Name: "a", Type: "string"}, nil, {Name: "b", Type: "[]int64", Values: []*txt.Value{}}}}
	cases := []struct {
		name string
		p    txt.Payload
	}{
		{"zero", txt.Payload{}},
		{"empty metadata", txt.Payload{Metadata: map[string]string{}}},
		{"empty endpoints", txt.Payload{Endpoints: []*txt.Endpoint{}}},
		{"nil endpoint", txt.Payload{Endpoints: []*txt.Endpoint{nil}}},
		{"endpoint shapes", txt.Payload{Version: "v1", Endpoints: []*txt.Endpoint{
			{Name: "NoDot"},
			{Name: "H.Call", Request: val, Response: &txt.Value{Name: "CallResponse", Type: "CallResponse"}, Metadata: map[string]string{}},
			{Name: "H.Stream", Request: &txt.Value{Name: "StreamRequest", Type: "StreamRequest"}, Metadata: map[string]string{"stream": "true"}},
			{Name: ".", Request: &txt.Value{Name: "", Type: ""}},
			{Name: "a.b.Call", Request: &txt.Value{Name: "Call", Type: "CallCall"}, Response: &txt.Value{Name: "deadbeef", Type: "DEADBEEF"}},
		}}},
		{"metadata routing", txt.Payload{Version: "1.0", Metadata: map[string]string{
			"plain":    "value",
			"empty":    "",
			"utf8":     "héllo ✓",
			"Case":     "upper first",
			"case":     "same key ignoring case: compact",
			"bad=key":  "key with '='",
			"":         "empty key",
			"ctl\x01":  "control character in key",
			"utf8-kéy": "non-ASCII key",
			"long":     strings.Repeat("x", txt.MaxPlainValue+1),
			"fits":     strings.Repeat("x", txt.MaxPlainValue),
			"binary":   "\x00\xff\x01",
			"newline":  "a\nb",
			"txtvers":  "2",
			"VERSION":  "reserved",
			"ep0":      "reserved",
			"EP12":     "reserved",
			"ep":       "not reserved",
			"epx":      "not reserved",
			"domain":   "dev",
			"hash":     "5b7742ef95742103b68afe0f4249ef7815c8d7979da9ca50ba1b87e66e725bb3",
			"huge":     strings.Repeat("y", 3000),
		}}},
		// Found by FuzzDecodePayload (testdata/fuzz/FuzzDecodePayload/86f041a1beb24bd5):
		// a bare 255-byte key decodes to metadata with an empty value, and
		// "key=" no longer fits one string.
		{"fuzz 86f041a1: 255-byte key", txt.Payload{Metadata: map[string]string{strings.Repeat("k", 255): "", strings.Repeat("j", 254): ""}}},
	}
	for _, c := range cases {
		roundTrip(t, c.name, c.p)
	}
	for _, v := range loadVectors(t) {
		roundTrip(t, v.Name, v.payload())
	}
}

// TestPayloadLayout pins what avahi-browse -r shows.
func TestPayloadLayout(t *testing.T) {
	strs := roundTrip(t, "layout", txt.Payload{Version: "2.3.1", Metadata: map[string]string{
		"server": "grpc", "broker": "http", "Version": "x", "hash": strings.Repeat("ab", 32),
	}})
	var plain []string
	for _, s := range strs {
		if !strings.HasPrefix(string(s), "ep") {
			plain = append(plain, string(s))
		}
	}
	want := []string{"txtvers=1", "version=2.3.1", "broker=http", "server=grpc"}
	if !reflect.DeepEqual(plain, want) {
		t.Errorf("plain strings %q, want %q", plain, want)
	}
	if last := string(strs[len(strs)-1]); !strings.HasPrefix(last, "ep0=") {
		t.Errorf("last string %q, want ep0=...", last)
	}
	strs = roundTrip(t, "no compact part", txt.Payload{Version: "1", Metadata: map[string]string{"a": "b"}})
	if !reflect.DeepEqual(strs, strsOf("txtvers=1", "version=1", "a=b")) {
		t.Errorf("got %q", strs)
	}
	strs = roundTrip(t, "zero", txt.Payload{})
	if !reflect.DeepEqual(strs, strsOf("txtvers=1")) {
		t.Errorf("got %q", strs)
	}
}

func TestPayloadChunks(t *testing.T) {
	md := map[string]string{}
	for i := range 40 {
		md[strings.Repeat("k", i+1)] = strings.Repeat("0123456789abcdefghijklmnopqrstuvwxyz"[i%36:], 3)
	}
	strs := roundTrip(t, "many chunks", txt.Payload{Metadata: md, Endpoints: []*txt.Endpoint{}})
	n := 0
	for _, s := range strs {
		if len(s) > 255 {
			t.Fatalf("string of %d bytes", len(s))
		}
		if strings.HasPrefix(string(s), "ep") {
			if !strings.HasPrefix(string(s), "ep"+string(rune('0'+n))) && n < 10 {
				t.Errorf("chunk %d is %q", n, s[:4])
			}
			n++
		}
	}
	if n < 2 {
		t.Errorf("want several chunks, got %d", n)
	}
}

func TestEncodePayloadErrors(t *testing.T) {
	deep := &txt.Value{Name: "leaf"}
	for range txt.MaxValueDepth {
		deep = &txt.Value{Name: "n", Values: []*txt.Value{deep}}
	}
	rnd := make([]byte, 0, 12000)
	x := uint32(1)
	for len(rnd) < cap(rnd) {
		x = x*1664525 + 1013904223
		rnd = append(rnd, "0123456789abcdefghijklmnopqrstuvwxyz"[x>>27])
	}
	cases := []struct {
		name string
		p    txt.Payload
		want error
		msg  string
	}{
		{"version too long", txt.Payload{Version: strings.Repeat("v", 248)}, txt.ErrTooLong, "version is 248 bytes, max 247"},
		{"too large", txt.Payload{Metadata: map[string]string{"big": string(rnd)}}, txt.ErrTooLarge, "max 8900"},
		{"too deep", txt.Payload{Endpoints: []*txt.Endpoint{{Name: "E.x"}, {Name: "E.y", Response: deep}}}, txt.ErrInvalidPayload, "endpoint 1: response: value"},
	}
	for _, c := range cases {
		_, err := txt.EncodePayload(c.p)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "txt: ") {
			t.Errorf("%s: err = %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
	}
	// One level less than too deep is fine.
	roundTrip(t, "max depth", txt.Payload{Endpoints: []*txt.Endpoint{{Name: "E.y", Response: deep.Values[0]}}})
}

func TestDecodePayloadErrors(t *testing.T) {
	good, err := txt.EncodePayload(loadVectors(t)[1].payload())
	if err != nil {
		t.Fatal(err)
	}
	ep0 := string(good[len(good)-1])
	cases := []struct {
		name string
		strs [][]byte
		want error
		msg  string
	}{
		{"plain TXT", strsOf("path=/"), txt.ErrNotPayload, "no txtvers"},
		{"empty TXT", strsOf(""), txt.ErrNotPayload, "no txtvers"},
		{"txtvers 2", strsOf("txtvers=2"), txt.ErrUnsupportedVersion, `txtvers="2"`},
		{"bare txtvers", strsOf("txtvers"), txt.ErrUnsupportedVersion, `txtvers=""`},
		{"missing chunk", strsOf("txtvers=1", "ep1=AAAA"), txt.ErrMalformed, "ep0 is missing but ep1 is present"},
		{"bad base64", strsOf("txtvers=1", "ep0=AAAA", "ep1=AA*A"), txt.ErrMalformed, "ep1 value: byte 2: '*' is not base64url"},
		{"short base64", strsOf("txtvers=1", "ep0=AAAAA"), txt.ErrMalformed, "ep0 value: byte 4: base64url ends in an incomplete group"},
		{"truncated deflate", strsOf("txtvers=1", ep0[:len(ep0)-8]), txt.ErrMalformed, "payload (DEFLATE data)"},
		{"bad deflate", strsOf("txtvers=1", "ep0=_____w"), txt.ErrMalformed, "corrupt DEFLATE data"},
		{"trailing blob bytes", strsOf("txtvers=1", "ep0="+deflateB64(t, []byte{0, 0, 0})), txt.ErrMalformed, "payload blob: byte 2: 1 bytes after the last endpoint"},
		{"unknown flag", strsOf("txtvers=1", "ep0="+deflateB64(t, []byte{4, 0})), txt.ErrMalformed, "unknown flags 0x4"},
		{"bad string ref", strsOf("txtvers=1", "ep0="+deflateB64(t, []byte{0, 1, 0xfd, 0x01, 0})), txt.ErrMalformed, "string reference 63, but the table has 27 entries"},
		{"count past end", strsOf("txtvers=1", "ep0="+deflateB64(t, []byte{2, 0, 50})), txt.ErrMalformed, "endpoint count 50 exceeds the 0 bytes left"},
		{"huge varint", strsOf("txtvers=1", "ep0="+deflateB64(t, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})), txt.ErrMalformed, "bad or missing varint (flags)"},
		{"zip bomb", strsOf("txtvers=1", "ep0="+deflateB64(t, make([]byte, txt.MaxInflatedSize+1))), txt.ErrTooLarge, "inflates to more than 65536 bytes"},
	}
	for _, c := range cases {
		_, err := txt.DecodePayload(c.strs)
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "txt: ") {
			t.Errorf("%s: err = %v, want %v containing %q", c.name, err, c.want, c.msg)
		}
		var syn *txt.SyntaxError
		if errors.Is(err, txt.ErrMalformed) && !errors.As(err, &syn) {
			t.Errorf("%s: ErrMalformed without a *SyntaxError: %v", c.name, err)
		}
	}
}

// TestDecodePayloadForeign reads payload-like records other software could
// write: keys in other cases, duplicates, bare keys, unknown ep keys.
func TestDecodePayloadForeign(t *testing.T) {
	got, err := txt.DecodePayload(strsOf("TXTVERS=1", "Version=3", "version=4", "flag", "Region=eu", "region=us", "ep01=x", "ep9999=y", "=skipped"))
	if err != nil {
		t.Fatal(err)
	}
	want := txt.Payload{Version: "3", Metadata: map[string]string{"flag": "", "Region": "eu"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %#v, want %#v", got, want)
	}
}

// TestPayloadGolden: records written by an earlier build of EncodePayload
// (testdata/rdata/dnssd-*.bin) must keep decoding to the same payloads, so
// txtvers=1 stays readable whatever later encoders emit.
func TestPayloadGolden(t *testing.T) {
	for _, v := range loadVectors(t) {
		b, err := os.ReadFile("testdata/rdata/dnssd-" + strings.ReplaceAll(v.Name, "_", "-") + ".bin")
		if err != nil {
			t.Fatal(err)
		}
		strs, err := txt.SplitRData(b)
		if err != nil {
			t.Fatal(err)
		}
		got, err := txt.DecodePayload(strs)
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		if !reflect.DeepEqual(got, v.payload()) {
			t.Errorf("%s: decoded %#v", v.Name, got)
		}
	}
}
