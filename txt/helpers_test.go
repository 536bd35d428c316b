package txt_test

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"testing"
)

// deflateB64 makes a hand-written compact part, to test the decoder on
// blobs the encoder would never produce.
func deflateB64(t testing.TB, blob []byte) string {
	t.Helper()
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(blob)
	w.Close()
	return base64.RawURLEncoding.EncodeToString(z.Bytes())
}
