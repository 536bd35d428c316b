package txt_test

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

func a(key string, value ...string) txt.Attr {
	if len(value) == 0 {
		return txt.Attr{Key: key}
	}
	return txt.Attr{Key: key, Value: []byte(value[0])}
}

func readCapture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/captures/txt/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDecodeCaptures decodes TXT records captured from Avahi and
// python-zeroconf (see the .txt note next to each file).
func TestDecodeCaptures(t *testing.T) {
	cases := []struct {
		file      string
		want      txt.Attrs
		reencodes bool // Encode(Decode(x)) gives back x's strings
	}{
		{"avahi-0.8-kv.bin", txt.Attrs{a("path", "/index.html"), a("empty", ""), a("flag"), a("Mixed", "CaseValue"),
			a("utf8", "héllo wörld ✓"), a("bin", "\x01\x02\x7f\x80\xfe\xff"), a("eq", "a=b")}, true},
		{"avahi-0.8-empty.bin", nil, true},
		{"avahi-0.8-long.bin", txt.Attrs{a("long", strings.Repeat("x", 245)), a("k2", strings.Repeat("0", 199)+"7"), a("txtvers", "1")}, true},
		{"zeroconf-0.47.3-props.bin", txt.Attrs{a("path", "/api/v1"), a("none"), a("empty", ""),
			a("bin", "\x00\x01\x02\x7f\x80\xfe\xff="), a("utf8", "ünïcödé ✓"), a("Case", "MiXeD")}, true},
		{"zeroconf-0.47.3-empty.bin", nil, true}, // RDLENGTH 0 splits into one empty string (RFC 6763 §6.1)
		{"zeroconf-0.47.3-raw.bin", txt.Attrs{a("txtvers"), a("version", "1.2"), a("dup", "first"), a("a", "b=c")}, false},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			rdata := readCapture(t, c.file)
			strs, err := txt.SplitRData(rdata)
			if err != nil {
				t.Fatal(err)
			}
			got := txt.Decode(strs)
			if !got.Equal(c.want) {
				t.Fatalf("Decode =\n%q\nwant\n%q", got, c.want)
			}
			enc, err := txt.Encode(got)
			if err != nil {
				t.Fatalf("Encode(Decode): %v", err)
			}
			if again := txt.Decode(enc); !again.Equal(got) {
				t.Errorf("Decode(Encode(Decode)) = %q", again)
			}
			if c.reencodes && !reflect.DeepEqual(enc, strs) {
				t.Errorf("re-encoded %q, captured %q", enc, strs)
			}
			if got.Size() != txt.RDataSize(enc) {
				t.Errorf("Size %d, RDATA of Encode %d", got.Size(), txt.RDataSize(enc))
			}
		})
	}
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	for _, attrs := range []txt.Attrs{
		nil,
		{a("k")},
		{a("k", "")},
		{a("k", "v"), a("K2"), a("k3", ""), a("bin", "\x00=\xff")},
		{a(" ~!\"#$%&'()*+,-./:;<>?@[\\]^_`{|}~"), a("v", strings.Repeat("z", 253))},
		{a(strings.Repeat("k", 255))},
	} {
		strs, err := txt.Encode(attrs)
		if err != nil {
			t.Fatalf("Encode(%q): %v", attrs, err)
		}
		if got := txt.Decode(strs); !got.Equal(attrs) {
			t.Errorf("Decode(Encode(%q)) = %q", attrs, got)
		}
		if attrs.Size() != txt.RDataSize(strs) {
			t.Errorf("Size(%q) = %d, RDATA is %d", attrs, attrs.Size(), txt.RDataSize(strs))
		}
	}
}

// TestEncodeEmpty: RFC 6763 §6.1, never a TXT record with no strings.
func TestEncodeEmpty(t *testing.T) {
	for _, attrs := range []txt.Attrs{nil, {}} {
		strs, err := txt.Encode(attrs)
		if err != nil || !reflect.DeepEqual(strs, [][]byte{{}}) {
			t.Errorf("Encode(%#v) = %q, %v; want one empty string", attrs, strs, err)
		}
	}
}

func TestEncodeErrors(t *testing.T) {
	cases := []struct {
		attrs txt.Attrs
		want  error
		key   string
		index int
		msg   string
	}{
		{txt.Attrs{a("")}, txt.ErrInvalidKey, "", 0, `attribute 0 (key ""): invalid key: empty`},
		{txt.Attrs{a("ok"), a("a=b", "c")}, txt.ErrInvalidKey, "a=b", 1, `attribute 1 (key "a=b"): invalid key: '=' at byte 1`},
		{txt.Attrs{a("tab\t")}, txt.ErrInvalidKey, "tab\t", 0, "byte 0x09 at 3 is not printable US-ASCII"},
		{txt.Attrs{a("kéy")}, txt.ErrInvalidKey, "kéy", 0, "byte 0xc3 at 1"},
		{txt.Attrs{a("del\x7f")}, txt.ErrInvalidKey, "del\x7f", 0, "byte 0x7f"},
		{txt.Attrs{a("Path", "/"), a("x"), a("pATH", "/b")}, txt.ErrDuplicateKey, "pATH", 2, `same as attribute 0 "Path" ignoring case`},
		{txt.Attrs{a("k", strings.Repeat("v", 254))}, txt.ErrTooLong, "k", 0, "encodes to 256 bytes, max 255"},
		{txt.Attrs{a(strings.Repeat("k", 256))}, txt.ErrTooLong, strings.Repeat("k", 256), 0, "encodes to 256 bytes"},
	}
	for _, c := range cases {
		_, err := txt.Encode(c.attrs)
		var ke *txt.KeyError
		if !errors.Is(err, c.want) || !errors.As(err, &ke) {
			t.Errorf("Encode(%q): err = %v, want %v as *KeyError", c.attrs, err, c.want)
			continue
		}
		if ke.Key != c.key || ke.Index != c.index || !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "txt: ") {
			t.Errorf("Encode(%q): %v (key %q index %d), want key %q index %d and %q", c.attrs, err, ke.Key, ke.Index, c.key, c.index, c.msg)
		}
	}
}

// TestDecodeLenient: RFC 6763 §6.4 rules for receivers.
func TestDecodeLenient(t *testing.T) {
	got := txt.Decode(strsOf("", "=nokey", "==", "Key=1", "KEY=2", "key", "x=", "é=non-ASCII key", "ctl\x00=1", strings.Repeat("l", 256), "y=a=b"))
	want := txt.Attrs{a("Key", "1"), a("x", ""), a("y", "a=b")}
	if !got.Equal(want) {
		t.Errorf("Decode = %q, want %q", got, want)
	}
	if v, _ := got.Get("x"); v == nil {
		t.Error(`"x=" decoded with a nil value; want empty non-nil`)
	}
	in := strsOf("k=v")
	got = txt.Decode(in)
	in[0][2] = 'X'
	if string(got[0].Value) != "v" {
		t.Error("Decode aliases its input")
	}
}

func TestLookups(t *testing.T) {
	attrs := txt.Attrs{a("PassReq"), a("empty", ""), a("path", "/x"), a("on", "YES"), a("off", "0"), a("k", "\u212a"), a("path", "/second")}
	if v, ok := attrs.Get("PATH"); !ok || string(v) != "/x" {
		t.Errorf(`Get("PATH") = %q, %v`, v, ok)
	}
	if v, ok := attrs.Get("passreq"); !ok || v != nil {
		t.Errorf(`Get("passreq") = %q, %v; want nil, true`, v, ok)
	}
	if _, ok := attrs.Get("missing"); ok {
		t.Error(`Get("missing") found something`)
	}
	if !attrs.Has("EMPTY") || attrs.Has("\u212a") || attrs.Has("") {
		t.Error("Has: wrong answer (Kelvin sign must not match k)")
	}
	for _, c := range []struct {
		key   string
		v, ok bool
	}{
		{"passreq", true, true}, {"absent", false, true}, {"empty", false, false},
		{"path", false, false}, {"on", true, true}, {"off", false, true},
	} {
		if v, ok := attrs.Bool(c.key); v != c.v || ok != c.ok {
			t.Errorf("Bool(%q) = %v, %v; want %v, %v", c.key, v, ok, c.v, c.ok)
		}
	}
	if got := attrs[0].String() + " " + a("b", "\x00\\\xffz").String() + " " + attrs[1].String(); got != `PassReq b=\000\\\255z empty=` {
		t.Errorf("String: %s", got)
	}
}
