package txt

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"io"
	"sync"
)

// A compress/flate writer carries about 800 KB of match tables, and
// NewWriter allocates them afresh: an encoder that made one per call
// spent most of its time and all of its garbage on them (BENCH.md,
// package txt). Reset writers are reused instead; Reset gives the same
// state as NewWriter, so the output is byte for byte what it was. The
// pools drop their writers across garbage collections, so an idle
// program does not keep them (a pooled writer still points at the last
// output buffer until then: a few KB, not worth a second Reset).
var (
	zlibWriters  = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}
	flateWriters = sync.Pool{New: func() any {
		w, _ := flate.NewWriter(nil, flate.BestCompression) // cannot fail: the level is valid
		return w
	}}
)

// zlibCompress is zlib.NewWriter's stream (DefaultCompression) of data:
// what go-micro sends.
func zlibCompress(data []byte) []byte { return compress(&zlibWriters, data) }

// deflateBest is raw DEFLATE (RFC 1951) of data at BestCompression.
func deflateBest(data []byte) []byte { return compress(&flateWriters, data) }

// compress writes data through a writer of pool.
func compress(pool *sync.Pool, data []byte) []byte {
	var z bytes.Buffer
	w := pool.Get().(interface {
		io.WriteCloser
		Reset(io.Writer)
	})
	w.Reset(&z)
	w.Write(data) // a bytes.Buffer does not fail
	w.Close()
	pool.Put(w)
	return z.Bytes()
}
