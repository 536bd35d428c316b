package dnsmsg

import "errors"

// Errors, for errors.Is; decoding errors wrap them with where it failed.
var (
	// ErrName is a name that cannot be encoded or decoded: an empty or
	// over-long label, a name over 255 octets, a bad escape, a compression
	// pointer that does not point backwards, an unknown label type.
	ErrName = errors.New("dnsmsg: malformed name")
	// ErrShort is a message that ends inside a header, question or record.
	ErrShort = errors.New("dnsmsg: message truncated")
	// ErrRdata is RDATA that does not match its type's layout.
	ErrRdata = errors.New("dnsmsg: malformed rdata")
	// ErrTooLarge is a message, record or string over its wire limit.
	ErrTooLarge = errors.New("dnsmsg: too large")
)
