package dnsmsg

import "net/netip"

// Record types (RFC 1035 §3.2.2, RFC 3596, RFC 2782, RFC 4034, RFC 6891).
const (
	TypeA     uint16 = 1
	TypeCNAME uint16 = 5
	TypePTR   uint16 = 12
	TypeHINFO uint16 = 13
	TypeTXT   uint16 = 16
	TypeAAAA  uint16 = 28
	TypeSRV   uint16 = 33
	TypeOPT   uint16 = 41
	TypeNSEC  uint16 = 47
	TypeANY   uint16 = 255
)

// Classes (RFC 1035 §3.2.4, §3.2.5).
const (
	ClassINET uint16 = 1
	ClassANY  uint16 = 255
)

// Header is the part every resource record shares. Class carries the
// cache-flush bit as received (RFC 6762 §10.2).
type Header struct {
	Name  string
	Type  uint16
	Class uint16
	TTL   uint32
}

// RR is a resource record: one of the types of this package.
type RR interface {
	Header() *Header
	// rdataLen is the length of the RDATA with its names uncompressed.
	rdataLen() int
	// packRdata appends the RDATA, compressing names where the type
	// allows it (c nil: never).
	packRdata(b []byte, c compressor) ([]byte, error)
	copyRR() RR
}

// A is an IPv4 address record (RFC 1035 §3.4.1).
type A struct {
	Hdr  Header
	Addr netip.Addr
}

// AAAA is an IPv6 address record (RFC 3596 §2.2).
type AAAA struct {
	Hdr  Header
	Addr netip.Addr
}

// PTR points to another name (RFC 1035 §3.3.12).
type PTR struct {
	Hdr Header
	Ptr string
}

// CNAME is an alias (RFC 1035 §3.3.1).
type CNAME struct {
	Hdr    Header
	Target string
}

// SRV locates a service instance (RFC 2782).
type SRV struct {
	Hdr      Header
	Priority uint16
	Weight   uint16
	Port     uint16
	Target   string
}

// TXT holds character-strings, raw bytes each at most 255 long
// (RFC 1035 §3.3.14, RFC 6763 §6).
type TXT struct {
	Hdr Header
	Txt []string
}

// NSEC asserts which types exist at a name (RFC 4034 §4; RFC 6762 §6.1
// uses it for negative answers).
type NSEC struct {
	Hdr        Header
	NextDomain string
	TypeBitMap []uint16
}

// Unknown is a record of any other type, its RDATA as received
// (RFC 3597 §5).
type Unknown struct {
	Hdr   Header
	Rdata []byte
}

func (rr *A) Header() *Header       { return &rr.Hdr }
func (rr *AAAA) Header() *Header    { return &rr.Hdr }
func (rr *PTR) Header() *Header     { return &rr.Hdr }
func (rr *CNAME) Header() *Header   { return &rr.Hdr }
func (rr *SRV) Header() *Header     { return &rr.Hdr }
func (rr *TXT) Header() *Header     { return &rr.Hdr }
func (rr *NSEC) Header() *Header    { return &rr.Hdr }
func (rr *Unknown) Header() *Header { return &rr.Hdr }

func (rr *A) copyRR() RR     { c := *rr; return &c }
func (rr *AAAA) copyRR() RR  { c := *rr; return &c }
func (rr *PTR) copyRR() RR   { c := *rr; return &c }
func (rr *CNAME) copyRR() RR { c := *rr; return &c }
func (rr *SRV) copyRR() RR   { c := *rr; return &c }
func (rr *TXT) copyRR() RR   { c := *rr; c.Txt = append([]string(nil), rr.Txt...); return &c }
func (rr *NSEC) copyRR() RR {
	c := *rr
	c.TypeBitMap = append([]uint16(nil), rr.TypeBitMap...)
	return &c
}
func (rr *Unknown) copyRR() RR { c := *rr; c.Rdata = append([]byte(nil), rr.Rdata...); return &c }

// Copy returns a deep copy of rr.
func Copy(rr RR) RR { return rr.copyRR() }

// Question is an entry of the question section (RFC 1035 §4.1.2). Qclass
// carries the unicast-response bit as received (RFC 6762 §5.4).
type Question struct {
	Name   string
	Qtype  uint16
	Qclass uint16
}

// Msg is a DNS message (RFC 1035 §4.1).
type Msg struct {
	ID                 uint16
	Response           bool
	Opcode             uint8
	Authoritative      bool
	Truncated          bool
	RecursionDesired   bool
	RecursionAvailable bool
	Rcode              uint8

	Question []Question
	Answer   []RR
	Ns       []RR
	Extra    []RR
}
