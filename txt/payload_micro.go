package txt

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Micro is the go-micro flavour of a registry payload: go-micro's mdnsTxt.
// Service is the service name, which go-micro repeats in the TXT record.
//
// Extra holds top-level JSON keys other than the four of mdnsTxt, which
// every go-micro version ignores: an extension point (for example "Domain",
// naming where a mirrored node comes from). Values are JSON; [DecodeMicro]
// returns them compacted and escaped the way [json.Marshal] writes them.
type Micro struct {
	Service string
	Payload
	Extra map[string]json.RawMessage
}

// mdnsTxt is go-micro's struct (registry/mdns_registry.go): no JSON tags,
// hence capitalised keys, in go-micro's current field order (≥ v4.10.2).
type mdnsTxt struct {
	Metadata  map[string]string
	Service   string
	Version   string
	Endpoints []*Endpoint
}

var microKeys = []string{"Metadata", "Service", "Version", "Endpoints"}

const microInput = "micro payload"

// EncodeMicro returns the TXT character-strings go-micro's registry would
// send for m, byte for byte: json.Marshal of mdnsTxt (so <, >, & and
// U+2028/2029 are escaped and invalid UTF-8 becomes U+FFFD), compressed with
// compress/zlib at the default level, lower-case hex, cut into 255-character
// strings. Extra keys follow the four standard ones in sorted order; a key
// that equals a standard one ignoring case is refused with
// [ErrInvalidPayload], as go-micro's decoder would read it as that field.
// Payloads over [MaxPayloadSize] bytes of RDATA, or [MaxInflatedSize] bytes
// of JSON, fail with [ErrTooLarge].
func EncodeMicro(m Micro) ([][]byte, error) {
	js, err := json.Marshal(mdnsTxt{m.Metadata, m.Service, m.Version, m.Endpoints})
	if err != nil { // cannot happen for these types; kept for safety
		return nil, fmt.Errorf("txt: micro payload: %w", err)
	}
	if len(m.Extra) > 0 {
		if js, err = appendExtra(js, m.Extra); err != nil {
			return nil, err
		}
	}
	if len(js) > MaxInflatedSize {
		return nil, fmt.Errorf("txt: micro payload JSON is %d bytes, max %d: %w", len(js), MaxInflatedSize, ErrTooLarge)
	}
	enc := hex.EncodeToString(zlibCompress(js)) // go-micro: zlib.NewWriter, i.e. DefaultCompression
	if n := len(enc) + (len(enc)+MaxStringLen-1)/MaxStringLen; n > MaxPayloadSize {
		return nil, fmt.Errorf("txt: micro payload needs %d bytes of TXT, max %d: %w", n, MaxPayloadSize, ErrTooLarge)
	}
	var strs [][]byte
	for len(enc) > MaxStringLen { // go-micro: 255-character strings, the rest last
		strs = append(strs, []byte(enc[:MaxStringLen]))
		enc = enc[MaxStringLen:]
	}
	return append(strs, []byte(enc)), nil
}

func appendExtra(js []byte, extra map[string]json.RawMessage) ([]byte, error) {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if slices.ContainsFunc(microKeys, func(s string) bool { return strings.EqualFold(s, k) }) {
			return nil, fmt.Errorf("txt: micro payload: extra key %q collides with a standard key: %w", k, ErrInvalidPayload)
		}
		keys = append(keys, k)
	}
	slices.Sort(keys)
	js = js[:len(js)-1] // drop the closing brace
	for _, k := range keys {
		kj, _ := json.Marshal(k) // cannot fail for a string
		vj, err := json.Marshal(extra[k])
		if err != nil {
			return nil, fmt.Errorf("txt: micro payload: extra key %q: %v: %w", k, err, ErrInvalidPayload)
		}
		js = append(append(append(append(js, ','), kj...), ':'), vj...)
	}
	return append(js, '}'), nil
}

// DecodeMicro decodes a go-micro TXT record as go-micro does, and as
// leniently: the strings are joined (any chunking), hex of either case, a
// zlib stream of any compression level, JSON with keys in any order and
// matched ignoring case. Unknown keys go to Extra; unknown keys inside
// endpoints and values are dropped. Errors wrap [ErrMalformed] (a
// [*SyntaxError] saying where) or [ErrTooLarge] (a record longer than
// [MaxRDataLen], or JSON longer than [MaxInflatedSize]).
func DecodeMicro(strs [][]byte) (Micro, error) {
	if err := checkRDataLen(strs); err != nil {
		return Micro{}, err
	}
	z, err := unhex(strs)
	if err != nil {
		return Micro{}, err
	}
	js, err := inflate(z, true, microInput+" (zlib bytes)")
	if err != nil {
		return Micro{}, err
	}
	var t mdnsTxt
	if err := json.Unmarshal(js, &t); err != nil {
		return Micro{}, jsonErr(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(js, &all); err != nil {
		return Micro{}, jsonErr(err)
	}
	m := Micro{Service: t.Service, Payload: Payload{Version: t.Version, Metadata: t.Metadata, Endpoints: t.Endpoints}}
	for k, v := range all {
		if slices.ContainsFunc(microKeys, func(s string) bool { return strings.EqualFold(s, k) }) {
			continue
		}
		canon, err := json.Marshal(v) // compact and escape as EncodeMicro will
		if err != nil {
			return Micro{}, jsonErr(err)
		}
		if m.Extra == nil {
			m.Extra = map[string]json.RawMessage{}
		}
		m.Extra[k] = canon
	}
	return m, nil
}

// unhex joins strs and decodes the hex, reporting a bad digit by string
// and position.
func unhex(strs [][]byte) ([]byte, error) {
	n := 0
	for _, s := range strs {
		n += len(s)
	}
	if n == 0 {
		return nil, syntaxErr(microInput, 0, "empty TXT record")
	}
	if n%2 != 0 {
		return nil, syntaxErr(microInput, n, "odd number (%d) of hex digits", n)
	}
	joined := make([]byte, 0, n)
	for i, s := range strs {
		for j, c := range s {
			if !isHexDigit(c) {
				return nil, syntaxErr(fmt.Sprintf("%s string %d", microInput, i), j, "%q is not a hex digit", c)
			}
		}
		joined = append(joined, s...)
	}
	z := make([]byte, n/2)
	hex.Decode(z, joined) // cannot fail: every digit was checked
	return z, nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func jsonErr(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return syntaxErr(microInput+" JSON", int(syn.Offset), "%v", err)
	case errors.As(err, &typ):
		return syntaxErr(microInput+" JSON", int(typ.Offset), "%v", err)
	}
	return syntaxErr(microInput+" JSON", 0, "%v", err)
}
