package domains

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"

	"github.com/mdnskit/mdnskit/mdns"
)

// uuidLen is the length of a textual UUID, "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".
const uuidLen = 36

// NewNodeID returns a fresh node id in go-micro's style, "<name>-<uuid>"
// with a random (version 4) UUID. Characters of name other than ASCII
// letters, digits, '-' and '_' become '-', and name is cut so that the id
// fits in one DNS label (63 bytes, RFC 1035 §2.3.4) — go-micro's own ids
// overflow it for names longer than 26 bytes and become undiscoverable.
// The id is valid in both flavours.
func NewNodeID(name string) string {
	var b strings.Builder
	for i := 0; i < len(name) && b.Len() < mdns.MaxLabel-uuidLen-1; i++ {
		c := name[i]
		if isAlnum(c) || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			b.WriteByte('-')
		}
	}
	prefix := strings.Trim(b.String(), "-")
	if prefix == "" {
		return newUUID()
	}
	return prefix + "-" + newUUID()
}

// newUUID returns a random RFC 9562 version 4 UUID. A node id must be
// unique, not secret (RFC 9562 §6.9 and §8): math/rand/v2's generator,
// seeded by the system per process, is enough, and linking crypto/rand
// instead would cost every program its FIPS module (BENCH.md).
func newUUID() string {
	var u [16]byte
	binary.LittleEndian.PutUint64(u[:8], rand.Uint64())
	binary.LittleEndian.PutUint64(u[8:], rand.Uint64())
	u[6] = u[6]&0x0f | 0x40 // RFC 9562 §5.4: version 4
	u[8] = u[8]&0x3f | 0x80 // RFC 9562 §4.1: variant 10
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// ValidateNodeID reports whether id can name a node in the given flavour.
// Every id is a DNS-SD instance name: 1–63 bytes of UTF-8 without control
// characters (RFC 6763 §4.1.1). The Micro flavour also refuses characters
// that go-micro would see escaped in the instance name (dots, spaces,
// backslashes, quotes, "()", ";", "@", "$"), because go-micro takes the
// node id from the presentation form of the name.
func ValidateNodeID(id string, f Flavour) error {
	if err := mdns.ValidateInstance(id); err != nil {
		return fmt.Errorf("%w: node id %q: %w", ErrInvalidService, id, err)
	}
	if !utf8.ValidString(id) {
		return fmt.Errorf("%w: node id %q is not UTF-8", ErrInvalidService, id)
	}
	for _, r := range id {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: node id %q contains a control character", ErrInvalidService, id)
		}
		if f == Micro && (r > 0x7e || strings.ContainsRune(`. \"();@$`, r)) {
			return fmt.Errorf("%w: node id %q: the micro flavour allows printable ASCII except %q", ErrInvalidService, id, `. \"();@$`)
		}
	}
	return nil
}

// FitNodeID maps a node id made elsewhere (go-micro makes up its own) to
// one the flavour can publish: an id that [ValidateNodeID] accepts stays
// as it is; otherwise bytes outside printable ASCII, and in the Micro
// flavour the characters it refuses, become '-', and an id over 63 bytes
// (one DNS label, RFC 1035 §2.3.4) loses the end of its name part,
// keeping its last 37 bytes (go-micro's "-<uuid>"). The mapping is a
// function of the id, so a deregistration finds what the registration
// published; an empty id stays empty.
func FitNodeID(id string, f Flavour) string {
	if id == "" || ValidateNodeID(id, f) == nil {
		return id
	}
	b := []byte(id)
	for i, c := range b {
		if c < 0x20 || c >= 0x7f || f == Micro && strings.IndexByte(`. \"();@$`, c) >= 0 {
			b[i] = '-'
		}
	}
	if tail := uuidLen + 1; len(b) > mdns.MaxLabel {
		b = append(b[:mdns.MaxLabel-tail], b[len(b)-tail:]...)
	}
	return string(b)
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}
