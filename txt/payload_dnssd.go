package txt

import (
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Reserved keys of the DNS-SD flavour (see the package documentation).
// Metadata entries whose key equals one of them ignoring case are carried
// in the compact part instead.
const (
	keyTxtvers   = "txtvers" // RFC 6763 §6.7: the format version, first
	keyVersion   = "version" // Payload.Version
	chunkPrefix  = "ep"      // ep0, ep1, ...: the compact part
	txtversValue = "1"
	maxChunks    = 1000 // chunk keys ep0..ep999; more cannot fit in a packet
)

// MaxPlainValue is the longest metadata value the DNS-SD flavour writes as a
// plain attribute. Longer values (hashes, certificates, tokens) are not
// meant for reading in avahi-browse and cost less in the compact part.
const MaxPlainValue = 40

var b64 = base64.RawURLEncoding

// EncodePayload returns the TXT character-strings of p in the DNS-SD flavour:
// txtvers=1, version=<Version> (omitted when empty), each metadata entry
// that can be a readable attribute as key=value in key order, and the rest
// (other metadata, the endpoints, and whether Metadata and Endpoints are nil)
// compressed into ep0=, ep1=, ... strings. The layout is specified in the
// package documentation.
//
// It fails with [ErrTooLong] if the version does not fit in one string, with
// [ErrTooLarge] if the TXT RDATA would exceed [MaxPayloadSize] bytes, and with
// [ErrInvalidPayload] for value trees nested deeper than [MaxValueDepth].
func EncodePayload(p Payload) ([][]byte, error) {
	attrs := Attrs{{Key: keyTxtvers, Value: []byte(txtversValue)}}
	if p.Version != "" {
		if n := len(keyVersion) + 1 + len(p.Version); n > MaxStringLen {
			return nil, fmt.Errorf("txt: version is %d bytes, max %d: %w", len(p.Version), MaxStringLen-len(keyVersion)-1, ErrTooLong)
		}
		attrs = append(attrs, Attr{Key: keyVersion, Value: []byte(p.Version)})
	}

	keys := make([]string, 0, len(p.Metadata))
	for k := range p.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var overflow map[string]string
	taken := map[string]bool{} // lower-cased plain keys: RFC 6763 §6.4 keys ignore case
	for _, k := range keys {
		v := p.Metadata[k]
		lk := lowerKey(k)
		if plainValue(v) && checkKey(k) == "" && !reserved(lk) && !taken[lk] && len(k)+1+len(v) <= MaxStringLen {
			taken[lk] = true
			attrs = append(attrs, Attr{Key: k, Value: []byte(v)})
			continue
		}
		if overflow == nil {
			overflow = map[string]string{}
		}
		overflow[k] = v
	}

	// Without a compact part the decoder assumes nil Endpoints, and nil
	// Metadata when there is no plain entry; anything else needs the part.
	if overflow != nil || p.Endpoints != nil || (p.Metadata != nil && len(p.Metadata) == 0) {
		chunks, err := compactPart(p, overflow)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, chunks...)
	}
	if n := attrs.Size(); n > MaxPayloadSize {
		return nil, fmt.Errorf("txt: payload needs %d bytes of TXT, max %d: %w", n, MaxPayloadSize, ErrTooLarge)
	}
	return Encode(attrs)
}

// plainValue reports whether v reads well as an attribute value: short,
// valid UTF-8, no control characters.
func plainValue(v string) bool {
	if len(v) > MaxPlainValue || !utf8.ValidString(v) {
		return false
	}
	for _, r := range v {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// reserved reports whether the lower-cased key lk is one of the flavour's
// own keys, including every ep<digits> key.
func reserved(lk string) bool {
	if lk == keyTxtvers || lk == keyVersion {
		return true
	}
	digits, ok := strings.CutPrefix(lk, chunkPrefix)
	if !ok || digits == "" {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return false
		}
	}
	return true
}

// chunkIndex returns i for the key "ep<i>" written canonically (no leading
// zeros) with i < maxChunks.
func chunkIndex(lk string) (int, bool) {
	if !reserved(lk) || lk == keyTxtvers || lk == keyVersion {
		return 0, false
	}
	digits := lk[len(chunkPrefix):]
	if len(digits) > 1 && digits[0] == '0' {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	if err != nil || i >= maxChunks {
		return 0, false
	}
	return i, true
}

func compactPart(p Payload, overflow map[string]string) (Attrs, error) {
	blob, err := encodeBlob(p, overflow)
	if err != nil {
		return nil, err
	}
	if len(blob) > MaxInflatedSize {
		return nil, fmt.Errorf("txt: payload blob is %d bytes before compression, max %d: %w", len(blob), MaxInflatedSize, ErrTooLarge)
	}
	enc := b64.EncodeToString(deflateBest(blob))
	var attrs Attrs
	for i := 0; enc != "" || i == 0; i++ {
		key := chunkPrefix + strconv.Itoa(i)
		n := min(len(enc), MaxStringLen-len(key)-1)
		attrs = append(attrs, Attr{Key: key, Value: []byte(enc[:n])})
		enc = enc[n:]
	}
	return attrs, nil
}

// DecodePayload decodes a DNS-SD flavour TXT record made by [EncodePayload].
// Attributes are read as [Decode] reads them, so keys ignore case and the
// first occurrence wins; attributes other than the reserved ones are
// metadata (a bare key gives an empty value).
//
// A record without txtvers is plain DNS-SD, not a payload: the error wraps
// [ErrNotPayload]. Other errors wrap [ErrUnsupportedVersion], [ErrMalformed]
// (with a [*SyntaxError] saying where) or [ErrTooLarge] (a record longer
// than [MaxRDataLen], or a compact part inflating past [MaxInflatedSize]).
func DecodePayload(strs [][]byte) (Payload, error) {
	if err := checkRDataLen(strs); err != nil {
		return Payload{}, err
	}
	attrs := Decode(strs)
	tv, ok := attrs.Get(keyTxtvers)
	if !ok {
		return Payload{}, fmt.Errorf("txt: %w", ErrNotPayload)
	}
	if string(tv) != txtversValue {
		return Payload{}, fmt.Errorf("txt: txtvers=%q: %w", tv, ErrUnsupportedVersion)
	}
	var p Payload
	chunks := map[int][]byte{}
	last := -1
	for _, at := range attrs {
		lk := lowerKey(at.Key)
		switch {
		case lk == keyTxtvers:
		case lk == keyVersion:
			p.Version = string(at.Value)
		case reserved(lk):
			if i, ok := chunkIndex(lk); ok {
				chunks[i] = at.Value
				last = max(last, i)
			}
		default:
			if p.Metadata == nil {
				p.Metadata = map[string]string{}
			}
			p.Metadata[at.Key] = string(at.Value)
		}
	}
	if last < 0 {
		return p, nil
	}
	blob, err := joinChunks(chunks, last)
	if err != nil {
		return Payload{}, err
	}
	c, overflow, err := decodeBlob(blob)
	if err != nil {
		return Payload{}, err
	}
	p.Endpoints = c.Endpoints
	if c.Metadata != nil && p.Metadata == nil {
		p.Metadata = c.Metadata
	}
	if overflow != nil && p.Metadata == nil {
		p.Metadata = map[string]string{}
	}
	for k, v := range overflow {
		p.Metadata[k] = v
	}
	return p, nil
}

// joinChunks reassembles, base64-decodes and inflates ep0..ep<last>.
func joinChunks(chunks map[int][]byte, last int) ([]byte, error) {
	var enc []byte
	starts := make([]int, last+1)
	for i := 0; i <= last; i++ {
		c, ok := chunks[i]
		if !ok {
			return nil, syntaxErr("payload", 0, "%s%d is missing but %s%d is present", chunkPrefix, i, chunkPrefix, last)
		}
		starts[i] = len(enc)
		enc = append(enc, c...)
	}
	z := make([]byte, b64.DecodedLen(len(enc)))
	n, err := b64.Decode(z, enc)
	if err != nil {
		var corrupt base64.CorruptInputError
		off, msg := len(enc), "base64url ends early"
		if errors.As(err, &corrupt) && int(corrupt) < len(enc) {
			off = int(corrupt)
			if c := enc[off]; !isBase64URL(c) {
				msg = fmt.Sprintf("%q is not base64url (RFC 4648 §5)", c)
			} else {
				msg = "base64url ends in an incomplete group"
			}
		}
		i := 0
		for i < last && starts[i+1] <= off {
			i++
		}
		return nil, syntaxErr(fmt.Sprintf("%s%d value", chunkPrefix, i), off-starts[i], "%s", msg)
	}
	return inflate(z[:n], false, "payload (DEFLATE data)")
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}
