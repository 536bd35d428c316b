package txt_test

import (
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

// Every sentinel of errors.go is a contract: each row provokes one through
// the public API and checks it with errors.Is.
func TestErrorsAreSentinels(t *testing.T) {
	deep := &txt.Value{Name: "v"}
	for v, i := deep, 0; i < txt.MaxValueDepth+1; i++ {
		v.Values = []*txt.Value{{Name: "v"}}
		v = v.Values[0]
	}
	long := strings.Repeat("x", txt.MaxStringLen)
	for _, tc := range []struct {
		name string
		want error
		err  func() error
	}{
		{"key with '='", txt.ErrInvalidKey, func() error { _, err := txt.Encode(txt.Attrs{{Key: "a=b"}}); return err }},
		{"key empty in Parse", txt.ErrInvalidKey, func() error { _, err := txt.Parse("=v"); return err }},
		{"keys equal ignoring case", txt.ErrDuplicateKey, func() error { _, err := txt.Parse("Path=/", "path=/x"); return err }},
		{"attribute over 255 bytes", txt.ErrTooLong, func() error {
			_, err := txt.Encode(txt.Attrs{{Key: "k", Value: []byte(long)}})
			return err
		}},
		{"version over one string", txt.ErrTooLong, func() error { _, err := txt.EncodePayload(txt.Payload{Version: long}); return err }},
		{"payload over MaxPayloadSize", txt.ErrTooLarge, func() error {
			// 12 KB that do not compress: hex-zlib makes them 24 KB of TXT.
			noise := make([]byte, 12<<10)
			rand.NewChaCha8([32]byte{1}).Read(noise)
			md := map[string]string{"noise": hex.EncodeToString(noise)}
			_, err := txt.EncodeMicro(txt.Micro{Service: "s", Payload: txt.Payload{Metadata: md}})
			return err
		}},
		{"RDATA over MaxRDataLen", txt.ErrTooLarge, func() error {
			strs := make([][]byte, 300)
			for i := range strs {
				strs[i] = []byte(long)
			}
			_, err := txt.JoinRData(strs)
			return err
		}},
		{"truncated RDATA", txt.ErrMalformed, func() error { _, err := txt.SplitRData([]byte{5, 'a'}); return err }},
		{"micro payload not hex", txt.ErrMalformed, func() error { _, err := txt.DecodeMicro([][]byte{[]byte("zz")}); return err }},
		{"plain DNS-SD record", txt.ErrNotPayload, func() error {
			_, err := txt.DecodePayload([][]byte{[]byte("path=/")})
			return err
		}},
		{"unknown txtvers", txt.ErrUnsupportedVersion, func() error {
			_, err := txt.DecodePayload([][]byte{[]byte("txtvers=9")})
			return err
		}},
		{"value tree too deep", txt.ErrInvalidPayload, func() error {
			_, err := txt.EncodePayload(txt.Payload{Endpoints: []*txt.Endpoint{{Name: "e", Request: deep}}})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.err(); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want one wrapping %v", err, tc.want)
			}
		})
	}
}
