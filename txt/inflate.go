package txt

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Decompressors are reused for the same reason as compressors
// (deflate.go): each holds a 32 KB window and its tables, which a new
// reader per TXT record allocated again for every record a browser
// decoded. A zlib reader reads the stream's header as it is made or
// Reset, so its pool starts empty and fills with readers made for real
// input.
var (
	zlibReaders  sync.Pool
	flateReaders = sync.Pool{New: func() any { return flate.NewReader(nil) }}
)

// inflate decompresses data (a zlib stream if zlibHeader, else raw DEFLATE,
// RFC 1951) and returns at most MaxInflatedSize bytes; past that it fails
// with ErrTooLarge instead of allocating more. input names the data in
// errors.
func inflate(data []byte, zlibHeader bool, input string) ([]byte, error) {
	var r io.ReadCloser
	hdr := 0
	if zlibHeader {
		var err error
		if zr, ok := zlibReaders.Get().(io.ReadCloser); ok {
			r, err = zr, zr.(zlib.Resetter).Reset(bytes.NewReader(data), nil)
		} else {
			r, err = zlib.NewReader(bytes.NewReader(data))
		}
		if err != nil {
			if r != nil {
				zlibReaders.Put(r)
			}
			return nil, inflateErr(err, input, 0, len(data))
		}
		defer zlibReaders.Put(r)
		hdr = 2 // RFC 1950 §2.2: CMF and FLG precede the DEFLATE data
	} else {
		r = flateReaders.Get().(io.ReadCloser)
		r.(flate.Resetter).Reset(bytes.NewReader(data), nil) // cannot fail without a dictionary
		defer flateReaders.Put(r)
	}
	out, err := io.ReadAll(io.LimitReader(r, MaxInflatedSize+1))
	if err != nil {
		return nil, inflateErr(err, input, hdr, len(data))
	}
	if len(out) > MaxInflatedSize {
		return nil, fmt.Errorf("txt: %s inflates to more than %d bytes: %w", input, MaxInflatedSize, ErrTooLarge)
	}
	return out, nil
}

func inflateErr(err error, input string, hdr, n int) error {
	var corrupt flate.CorruptInputError
	switch {
	case errors.As(err, &corrupt):
		return syntaxErr(input, hdr+int(corrupt), "corrupt DEFLATE data")
	case errors.Is(err, zlib.ErrHeader), errors.Is(err, zlib.ErrDictionary):
		return syntaxErr(input, 0, "%v", err)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return syntaxErr(input, n, "compressed data ends early")
	default: // zlib.ErrChecksum, and anything else the reader reports
		return syntaxErr(input, n, "%v", err)
	}
}
