package txt

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can branch with [errors.Is].
var (
	// ErrInvalidKey: an attribute key is empty, contains '=' or a byte
	// outside printable US-ASCII (RFC 6763 §6.4).
	ErrInvalidKey = errors.New("invalid key")
	// ErrDuplicateKey: two attributes have keys that are equal ignoring
	// case (RFC 6763 §6.4).
	ErrDuplicateKey = errors.New("duplicate key")
	// ErrTooLong: a character-string would be longer than 255 bytes
	// (RFC 1035 §3.3), or a single field does not fit in one.
	ErrTooLong = errors.New("string too long")
	// ErrTooLarge: an encoded payload would exceed [MaxPayloadSize], or a
	// compressed payload inflates past [MaxInflatedSize].
	ErrTooLarge = errors.New("too large")
	// ErrMalformed: the input cannot be decoded. The error is a
	// [*SyntaxError] that says where.
	ErrMalformed = errors.New("malformed")
	// ErrNotPayload: the TXT record has no txtvers attribute, so it is plain
	// DNS-SD metadata rather than a registry payload; use [Decode].
	ErrNotPayload = errors.New("no registry payload (no txtvers attribute)")
	// ErrUnsupportedVersion: txtvers names a format this package does not know.
	ErrUnsupportedVersion = errors.New("unsupported txtvers")
	// ErrInvalidPayload: a payload cannot be encoded (for example a value
	// tree nested deeper than [MaxValueDepth]).
	ErrInvalidPayload = errors.New("invalid payload")
)

// A KeyError reports an attribute that [Encode] refuses, naming its key.
type KeyError struct {
	Key    string // the offending key, as given
	Index  int    // position of the attribute in the list
	Err    error  // ErrInvalidKey, ErrDuplicateKey or ErrTooLong
	Reason string // what exactly is wrong
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("txt: attribute %d (key %q): %v: %s", e.Index, e.Key, e.Err, e.Reason)
}

func (e *KeyError) Unwrap() error { return e.Err }

// A SyntaxError reports malformed input and where it is. It wraps
// [ErrMalformed].
type SyntaxError struct {
	Input  string // what was being decoded, e.g. "rdata" or "micro payload"
	Offset int    // byte offset into Input
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("txt: %s: byte %d: %s", e.Input, e.Offset, e.Msg)
}

func (e *SyntaxError) Unwrap() error { return ErrMalformed }

func syntaxErr(input string, off int, format string, args ...any) error {
	return &SyntaxError{Input: input, Offset: off, Msg: fmt.Sprintf(format, args...)}
}
