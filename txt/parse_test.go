package txt_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

func TestParse(t *testing.T) {
	got, err := txt.Parse("path=/x", "empty=", "flag", "eq=a=b", "Path2=")
	if err != nil {
		t.Fatal(err)
	}
	want := txt.Attrs{
		{Key: "path", Value: []byte("/x")},
		{Key: "empty", Value: []byte{}},
		{Key: "flag"},
		{Key: "eq", Value: []byte("a=b")},
		{Key: "Path2", Value: []byte{}},
	}
	if !got.Equal(want) {
		t.Fatalf("Parse = %v, want %v", got, want)
	}
	if got[1].Value == nil || got[2].Value != nil {
		t.Error("k= must give an empty value, a bare k a nil one")
	}
	if a, err := txt.Parse(); err != nil || len(a) != 0 {
		t.Errorf("Parse() = %v, %v; want no attributes", a, err)
	}
}

// A bad attribute is a *KeyError naming the key and its position.
func TestParseErrors(t *testing.T) {
	long := make([]byte, 255)
	for i := range long {
		long[i] = 'v'
	}
	for _, c := range []struct {
		in   []string
		idx  int
		key  string
		kind error
	}{
		{[]string{"a=1", "=x"}, 1, "", txt.ErrInvalidKey},
		{[]string{"a=1", "A=2"}, 1, "A", txt.ErrDuplicateKey},
		{[]string{"caf\xc3\xa9=1"}, 0, "caf\xc3\xa9", txt.ErrInvalidKey},
		{[]string{"k=" + string(long)}, 0, "k", txt.ErrTooLong},
	} {
		_, err := txt.Parse(c.in...)
		var ke *txt.KeyError
		if !errors.As(err, &ke) || ke.Index != c.idx || ke.Key != c.key || !errors.Is(err, c.kind) {
			t.Errorf("Parse(%q) = %v; want a KeyError for %q at %d wrapping %v", c.in, err, c.key, c.idx, c.kind)
		}
	}
}

// FuzzParse: whatever the strings, Parse never panics, and what it
// accepts encodes, decodes back to the same attributes.
func FuzzParse(f *testing.F) {
	f.Add("path=/", "flag", "empty=")
	f.Add("a=b=c", "A", "")
	f.Add("=", "k\x00=v", "k=\xff")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		attrs, err := txt.Parse(a, b, c)
		if err != nil {
			var ke *txt.KeyError
			if !errors.As(err, &ke) || ke.Index < 0 || ke.Index > 2 {
				t.Fatalf("error without its attribute: %v", err)
			}
			return
		}
		strs, err := txt.Encode(attrs)
		if err != nil {
			t.Fatalf("Parse accepted what Encode refuses: %v", err)
		}
		if back := txt.Decode(strs); !back.Equal(attrs) {
			t.Fatalf("decode(encode(parse)) = %v, want %v", back, attrs)
		}
	})
}

func ExampleParse() {
	attrs, err := txt.Parse("path=/api", "anon=", "passreq")
	if err != nil {
		panic(err)
	}
	strs, _ := txt.Encode(attrs)
	fmt.Printf("%q\n", strs)

	_, err = txt.Parse("path=/", "bad key\x01=1")
	var ke *txt.KeyError
	if errors.As(err, &ke) {
		fmt.Printf("attribute %d, key %q: %s\n", ke.Index, ke.Key, ke.Reason)
	}
	// Output:
	// ["path=/api" "anon=" "passreq"]
	// attribute 1, key "bad key\x01": byte 0x01 at 7 is not printable US-ASCII
}
