// Package txt encodes and decodes DNS TXT records for DNS-SD: RFC 6763 §6
// key/value attributes, and registry payloads (a service's version, metadata
// and endpoints) in two flavours, one readable by any DNS-SD browser and one
// byte-compatible with go-micro's mDNS registry.
//
// The package is pure: it works on raw character-strings ([][]byte, each
// at most 255 bytes, RFC 1035 §3.3.14), does no I/O and knows nothing of any
// DNS library. [SplitRData] and [JoinRData] convert to and from the RDATA
// wire form. Every decoder takes hostile input: it never panics, its errors
// say what is wrong and where ([*SyntaxError], [*KeyError]), and its memory
// use is bounded whatever the input size ([MaxRDataLen], [MaxInflatedSize]).
//
// # Attributes
//
// An [Attr] is one string of the record (RFC 6763 §6.3, §6.4): "key=value",
// "key=" (present, empty value; a non-nil empty Value) or a bare "key" (a
// boolean; a nil Value). Values are opaque bytes and may be binary
// (RFC 6763 §6.5).
//
// [Encode] is strict. A key is one or more printable US-ASCII bytes
// (0x20-0x7E) other than '='; no two keys may be equal ignoring case; each
// string is at most 255 bytes; and an empty list is one empty string, never
// an empty record (RFC 6763 §6.1).
//
// [Decode] is lenient, as RFC 6763 §6.4 asks of receivers, and never fails:
// keys compare ignoring case and the first occurrence wins; strings with an
// empty key ("" or "=...") are skipped, and so are strings Encode would
// refuse (a key byte outside printable US-ASCII), so decode→encode always
// works and decode(encode(a)) equals a for every a that Encode accepts.
// [Attrs.Get], [Attrs.Has] and [Attrs.Bool] look keys up; [Attrs.Size] is
// the RDATA size.
//
// # Registry payloads
//
// A [Payload] is the go-micro registry model: the service Version, the
// instance Metadata (go-micro's node metadata) and the Endpoints, each with
// request and response [Value] trees and metadata. nil and empty maps and
// slices are different values (JSON null versus {} and []), and both
// flavours keep the difference. Encoded records are at most
// [MaxPayloadSize] (8900) bytes of RDATA, to fit a 9000-byte mDNS message
// (RFC 6762 §17); bigger payloads fail with [ErrTooLarge].
//
// # DNS-SD flavour
//
// [EncodePayload] writes attributes that a DNS-SD browser such as
// avahi-browse -r shows readably, in this order:
//
//	txtvers=1          format version (RFC 6763 §6.7); always first
//	version=2.3.1      Payload.Version; omitted when empty
//	broker=http        each plain metadata entry, in key order
//	ep0=..., ep1=...   the compact part, when needed
//
// The reserved keys are txtvers, version and ep followed by digits, in any
// case. A metadata entry is plain, key=value, when its key is a valid
// attribute key that is not reserved and not equal ignoring case to an
// earlier (in byte order) plain key, and its value is valid UTF-8 without
// control characters and at most [MaxPlainValue] (40) bytes long, and
// key=value fits in one 255-byte string. Every
// other entry (long values such as hashes, binary values, keys that are
// reserved or invalid) goes into the compact part, so nothing is lost.
//
// The compact part carries the non-plain metadata, the endpoints, and
// whether Metadata and Endpoints are nil. It is present only when one of
// these differs from the default a decoder assumes without it: Endpoints
// nil, and Metadata nil unless there are plain entries. It is a binary
// "blob", compressed with raw DEFLATE (RFC 1951), encoded as unpadded
// base64url (RFC 4648 §5) and cut into values of the attributes ep0, ep1,
// ..., each string at most 255 bytes. A decoder joins ep0..epN in numeric
// order (all must be present), decodes and inflates them (at most
// [MaxInflatedSize] bytes) and parses the blob. All integers in the blob
// are unsigned varints (LEB128, as encoding/binary.AppendUvarint writes):
//
//	blob     = flags count(metadata) {str(key) str(value)} [count(endpoints) {endpoint}]
//	flags    = bit 0: Metadata non-nil; bit 1: Endpoints non-nil (the list
//	           follows only then); other bits zero
//	endpoint = 0 (nil) | 1 str(prefix) str(method) value(request) value(response) map
//	           where Name = prefix+method, split after the last '.'
//	map      = 0 (nil) | n+1 followed by n pairs str(key) str(value)
//	value    = 0 (nil) | 1+(c<<1|s) str(name) [str(type) unless s] {value}
//	           where s=1 means Type equals Name, c=0 nil Values, c=n+1 n values
//	str      = a varint tag t, by t&3:
//	           0: t>>2 bytes follow: the string; appended to the table
//	           1: the string table[t>>2]
//	           2: t>>2 bytes follow, standing for their lower-case hex; appended
//	           3: (t>>2 == 0) the current endpoint's method followed by a str of
//	              kind 0, 1 or 2 (so "CreateRequest" after method "Create"
//	              costs two bytes once "Request" is known); only inside an
//	              endpoint, after its name
//
// The string table starts with these 27 entries, in this order, then grows
// as strings of kind 0 and 2 are read: string bool int32 int64 uint32 uint64
// float32 float64 []string []byte []int32 []int64 map[string]string Request
// Response stream true false subscriber topic id name ok msg count data
// error. Maps are written in key order. Value trees nest at most
// [MaxValueDepth] deep.
//
// On go-micro's example services this takes 15% to 46% of the RDATA go-micro
// uses for the same registration (see TestPayloadSizeTargets): a service with
// five endpoints needs about 600 bytes and fits one Ethernet frame with its
// PTR, SRV, A and AAAA records.
//
// A record without txtvers is plain DNS-SD: [DecodePayload] reports
// [ErrNotPayload] and [Decode] reads its attributes. Other attributes of a
// payload record are read as metadata (a bare key as an empty value).
//
// # Micro flavour
//
// [EncodeMicro] writes exactly what go-micro's mDNS registry writes: the
// JSON of go-micro's mdnsTxt ({"Metadata":…,"Service":…,"Version":…,
// "Endpoints":…}, capitalised keys in go-micro's current order, nested
// types with go-micro's lower-case keys and field order, null for nil, Go's
// HTML escaping), compressed with compress/zlib at the default level, as
// lower-case hex, in strings of 255 characters with the remainder last.
// [DecodeMicro] accepts what any go-micro version accepts: both key orders,
// keys in any case, any zlib level, any chunking, upper-case hex. Top-level
// keys other than the four are kept in [Micro.Extra] and written back after
// them: every go-micro version ignores such keys, which makes them the
// extension point for marking, for example, the "Domain" of a mirrored node.
// go-micro's own global mirror instead adds "domain" to the node metadata,
// which is simply a Metadata entry here.
package txt
