package txt

import "fmt"

// MaxStringLen is the longest character-string: one length byte
// (RFC 1035 §3.3).
const MaxStringLen = 255

// MaxRDataLen is the most RDATA a DNS record can carry: RDLENGTH is 16 bits
// (RFC 1035 §3.2.1). Decoders refuse, or stop reading at, larger input, so
// the memory they use is bounded whatever they are given.
const MaxRDataLen = 65535

// SplitRData splits TXT RDATA, a sequence of length-prefixed
// character-strings (RFC 1035 §3.3.14), into its strings. The strings are
// copies, not views into rdata.
//
// Empty RDATA is returned as one empty string: RFC 6763 §6.1 forbids sending
// it but asks receivers to treat it like a single zero byte (python-zeroconf
// sends it for an empty property set). A length byte that runs past the end
// of rdata is a [*SyntaxError] giving the offset of that length byte; RDATA
// longer than [MaxRDataLen] is refused with [ErrTooLarge].
func SplitRData(rdata []byte) ([][]byte, error) {
	if len(rdata) == 0 {
		return [][]byte{{}}, nil
	}
	if len(rdata) > MaxRDataLen {
		return nil, fmt.Errorf("txt: rdata is %d bytes, max %d (RFC 1035 §3.2.1): %w", len(rdata), MaxRDataLen, ErrTooLarge)
	}
	// Every string costs at least its length byte, so counting first keeps
	// the allocation exact and bounded by the input.
	n := 0
	for off := 0; off < len(rdata); n++ {
		l := int(rdata[off])
		if off+1+l > len(rdata) {
			return nil, syntaxErr("rdata", off, "string %d has length %d but only %d bytes remain", n, l, len(rdata)-off-1)
		}
		off += 1 + l
	}
	// One copy for all strings; the three-index slices keep an append to
	// one string from overwriting the next.
	buf := append([]byte{}, rdata...)
	strs := make([][]byte, 0, n)
	for off := 0; off < len(buf); {
		l := int(buf[off])
		strs = append(strs, buf[off+1:off+1+l:off+1+l])
		off += 1 + l
	}
	return strs, nil
}

// JoinRData returns the TXT RDATA for strs: each string preceded by its
// length byte. No strings give a single zero byte, never empty RDATA
// (RFC 6763 §6.1). A string longer than [MaxStringLen] is an error wrapping
// [ErrTooLong]; RDATA longer than [MaxRDataLen], one wrapping [ErrTooLarge].
func JoinRData(strs [][]byte) ([]byte, error) {
	if len(strs) == 0 {
		return []byte{0}, nil
	}
	size := RDataSize(strs)
	if size > MaxRDataLen {
		return nil, fmt.Errorf("txt: rdata would be %d bytes, max %d (RFC 1035 §3.2.1): %w", size, MaxRDataLen, ErrTooLarge)
	}
	out := make([]byte, 0, size)
	for i, s := range strs {
		if len(s) > MaxStringLen {
			return nil, fmt.Errorf("txt: string %d is %d bytes, max %d: %w", i, len(s), MaxStringLen, ErrTooLong)
		}
		out = append(out, byte(len(s)))
		out = append(out, s...)
	}
	return out, nil
}

// RDataSize is the length of the RDATA that [JoinRData] makes of strs.
func RDataSize(strs [][]byte) int {
	if len(strs) == 0 {
		return 1
	}
	n := 0
	for _, s := range strs {
		n += 1 + len(s)
	}
	return n
}

// checkRDataLen refuses records larger than a DNS record can be, before a
// payload decoder spends memory on them.
func checkRDataLen(strs [][]byte) error {
	if n := RDataSize(strs); n > MaxRDataLen {
		return fmt.Errorf("txt: TXT record of %d bytes, max %d (RFC 1035 §3.2.1): %w", n, MaxRDataLen, ErrTooLarge)
	}
	return nil
}
