package txt_test

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

func TestRData(t *testing.T) {
	for _, c := range []struct {
		rdata []byte
		strs  [][]byte
	}{
		{[]byte{0}, strsOf("")},
		{[]byte("\x03abc\x00\x01="), strsOf("abc", "", "=")},
		{append([]byte{255}, bytes.Repeat([]byte{'x'}, 255)...), strsOf(strings.Repeat("x", 255))},
	} {
		got, err := txt.SplitRData(c.rdata)
		if err != nil || !reflect.DeepEqual(got, c.strs) {
			t.Errorf("SplitRData(%q) = %q, %v", c.rdata, got, err)
		}
		back, err := txt.JoinRData(got)
		if err != nil || !bytes.Equal(back, c.rdata) {
			t.Errorf("JoinRData(%q) = %q, %v", got, back, err)
		}
		if n := txt.RDataSize(got); n != len(c.rdata) {
			t.Errorf("RDataSize = %d, want %d", n, len(c.rdata))
		}
	}
	// RFC 6763 §6.1: empty RDATA reads as one empty string; none are written.
	if got, err := txt.SplitRData(nil); err != nil || !reflect.DeepEqual(got, strsOf("")) {
		t.Errorf("SplitRData(empty) = %q, %v", got, err)
	}
	if got, err := txt.JoinRData(nil); err != nil || !bytes.Equal(got, []byte{0}) {
		t.Errorf("JoinRData(nil) = %q, %v", got, err)
	}
}

func TestRDataErrors(t *testing.T) {
	_, err := txt.SplitRData([]byte("\x02ab\x05abc"))
	var syn *txt.SyntaxError
	if !errors.Is(err, txt.ErrMalformed) || !errors.As(err, &syn) || syn.Offset != 3 ||
		err.Error() != "txt: rdata: byte 3: string 1 has length 5 but only 3 bytes remain" {
		t.Errorf("truncated: %v", err)
	}
	_, err = txt.JoinRData(strsOf("ok", strings.Repeat("x", 256)))
	if !errors.Is(err, txt.ErrTooLong) || err.Error() != "txt: string 1 is 256 bytes, max 255: string too long" {
		t.Errorf("long string: %v", err)
	}
}
