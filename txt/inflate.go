package txt

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
)

// inflate decompresses data (a zlib stream if zlibHeader, else raw DEFLATE,
// RFC 1951) and returns at most MaxInflatedSize bytes; past that it fails
// with ErrTooLarge instead of allocating more. input names the data in
// errors.
func inflate(data []byte, zlibHeader bool, input string) ([]byte, error) {
	var r io.ReadCloser
	hdr := 0
	if zlibHeader {
		zr, err := zlib.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, inflateErr(err, input, 0, len(data))
		}
		r, hdr = zr, 2 // RFC 1950 §2.2: CMF and FLG precede the DEFLATE data
	} else {
		r = flate.NewReader(bytes.NewReader(data))
	}
	defer r.Close()
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
