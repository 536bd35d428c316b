package txt_test

import (
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

// Benchmarks of the TXT codecs on go-micro's reference services
// (testdata/go-micro-vectors.json), run by `go test -bench . ./txt/` and
// reported in BENCH.md. One op encodes or decodes one registration's TXT
// record; SetBytes is its RDATA size, so MB/s compare the flavours.

func benchVectors(b *testing.B, fn func(b *testing.B, v goMicroVector)) {
	for _, v := range loadVectors(b) {
		b.Run(v.Name, func(b *testing.B) {
			b.ReportAllocs()
			fn(b, v)
		})
	}
}

func BenchmarkEncodePayload(b *testing.B) {
	benchVectors(b, func(b *testing.B, v goMicroVector) {
		p := v.payload()
		strs, err := txt.EncodePayload(p)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(txt.RDataSize(strs)))
		for b.Loop() {
			if _, err := txt.EncodePayload(p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecodePayload(b *testing.B) {
	benchVectors(b, func(b *testing.B, v goMicroVector) {
		strs, err := txt.EncodePayload(v.payload())
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(txt.RDataSize(strs)))
		for b.Loop() {
			if _, err := txt.DecodePayload(strs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkEncodeMicro(b *testing.B) {
	benchVectors(b, func(b *testing.B, v goMicroVector) {
		m := v.micro()
		strs, err := txt.EncodeMicro(m)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(txt.RDataSize(strs)))
		for b.Loop() {
			if _, err := txt.EncodeMicro(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkDecodeMicro decodes the bytes go-micro itself produced (the
// vector's TXT strings), not our re-encoding.
func BenchmarkDecodeMicro(b *testing.B) {
	benchVectors(b, func(b *testing.B, v goMicroVector) {
		strs := v.TXT.strs()
		b.SetBytes(int64(txt.RDataSize(strs)))
		for b.Loop() {
			if _, err := txt.DecodeMicro(strs); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkAttrs is the plain RFC 6763 §6 path: a typical five-attribute
// record encoded and decoded.
func BenchmarkAttrs(b *testing.B) {
	attrs := txt.Attrs{
		{Key: "txtvers", Value: []byte("1")}, {Key: "path", Value: []byte("/api/v1")},
		{Key: "version", Value: []byte("2.3.1")}, {Key: "secure"}, {Key: "empty", Value: []byte{}},
	}
	strs, err := txt.Encode(attrs)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("Encode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := txt.Encode(attrs); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Decode", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(txt.Decode(strs)) != len(attrs) {
				b.Fatal("attributes lost")
			}
		}
	})
}
