package txt_test

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

// allocated returns the bytes f allocates (runtime.MemStats.TotalAlloc).
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestGarbage feeds 1 MB inputs to every decoder: they must return (an
// error or a result, never a panic) having allocated a bounded multiple of
// the input, and a compressed "bomb" must stop at MaxInflatedSize.
func TestGarbage(t *testing.T) {
	const size = 1 << 20
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, size)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	// Many tiny strings with distinct keys: the worst case for duplicate
	// detection.
	var tiny bytes.Buffer
	for i := 0; tiny.Len() < size; i++ {
		k := []byte{byte('a' + i%26), byte('a' + i/26%26), byte('a' + i/676%26), byte('a' + i/17576%26)}
		tiny.WriteByte(byte(len(k)))
		tiny.Write(k)
	}
	// Hex of a zlib stream of 16 MiB of zeros: 16 KiB of TXT.
	var z bytes.Buffer
	w := zlib.NewWriter(&z)
	w.Write(make([]byte, 16<<20))
	w.Close()
	bomb := hex.EncodeToString(z.Bytes())
	var bombStrs [][]byte
	for len(bomb) > 0 {
		n := min(len(bomb), 255)
		bombStrs = append(bombStrs, []byte(bomb[:n]))
		bomb = bomb[n:]
	}
	hexGarbage := strsOf(strings.Repeat("789c", size/4))
	tinyStrs := make([][]byte, 0, size/5)
	for b := tiny.Bytes(); len(b) > 0; b = b[1+int(b[0]):] {
		tinyStrs = append(tinyStrs, b[1:1+int(b[0])])
	}
	payloadBomb := strsOf("txtvers=1")
	enc := deflateB64(t, make([]byte, 16<<20))
	for i := 0; enc != ""; i++ {
		n := min(len(enc), 240)
		payloadBomb = append(payloadBomb, []byte(fmt.Sprintf("ep%d=%s", i, enc[:n])))
		enc = enc[n:]
	}
	maxRecord := tiny.Bytes()[:txt.MaxRDataLen-txt.MaxRDataLen%5]

	// Whatever the input size, no call may allocate more than this: every
	// decoder stops at MaxRDataLen bytes of record and MaxInflatedSize
	// bytes of inflated data.
	const limit = 16 << 20
	check := func(t *testing.T, what string, f func()) {
		t.Helper()
		if n := allocated(f); n > limit {
			t.Errorf("%s allocated %d bytes, limit %d", what, n, limit)
		} else {
			t.Logf("%s allocated %d bytes", what, n)
		}
	}
	for _, in := range []struct {
		name  string
		rdata []byte
		strs  [][]byte
	}{
		{"random 1 MB", random, [][]byte{random}},
		{"tiny strings 1 MB", tiny.Bytes(), tinyStrs},
		{"tiny strings 64 KB", maxRecord, tinyStrs[:len(maxRecord)/5]},
		{"hex garbage 1 MB", nil, hexGarbage},
		{"zlib bomb", nil, bombStrs},
		{"DEFLATE bomb", nil, payloadBomb},
		{"payload chunks 1 MB", nil, append(strsOf("txtvers=1"), tinyStrs...)},
	} {
		t.Run(in.name, func(t *testing.T) {
			if in.rdata != nil {
				check(t, "SplitRData", func() { txt.SplitRData(in.rdata) })
			}
			check(t, "Decode", func() { txt.Decode(in.strs) })
			check(t, "DecodePayload", func() { txt.DecodePayload(in.strs) })
			check(t, "DecodeMicro", func() { txt.DecodeMicro(in.strs) })
		})
	}
}
