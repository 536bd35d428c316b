package dnsmsg

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// Pack returns m in wire format, names compressed where RFC 1035 §4.1.4
// and RFC 3597 §4 allow it: owner and question names and the names in PTR
// and CNAME RDATA. The names in SRV (RFC 2782) and NSEC (RFC 4034 §4.1.1)
// RDATA are written in full, as every DNS implementation can read them,
// though later names may point into them.
func (m *Msg) Pack() ([]byte, error) { return m.PackBuffer(make([]byte, 0, 512)) }

// PackBuffer is Pack writing into buf's storage when it is large enough.
func (m *Msg) PackBuffer(buf []byte) ([]byte, error) {
	for _, n := range []int{len(m.Question), len(m.Answer), len(m.Ns), len(m.Extra)} {
		if n > 0xffff {
			return nil, fmt.Errorf("%w: %d entries in one section", ErrTooLarge, n)
		}
	}
	b := append(buf[:0], make([]byte, 12)...)
	binary.BigEndian.PutUint16(b[0:], m.ID)
	binary.BigEndian.PutUint16(b[2:], m.flags())
	binary.BigEndian.PutUint16(b[4:], uint16(len(m.Question)))
	binary.BigEndian.PutUint16(b[6:], uint16(len(m.Answer)))
	binary.BigEndian.PutUint16(b[8:], uint16(len(m.Ns)))
	binary.BigEndian.PutUint16(b[10:], uint16(len(m.Extra)))
	c := make(compressor)
	var err error
	for _, q := range m.Question {
		if b, err = appendName(b, q.Name, c, true); err != nil {
			return nil, err
		}
		b = binary.BigEndian.AppendUint16(b, q.Qtype)
		b = binary.BigEndian.AppendUint16(b, q.Qclass)
	}
	for _, sec := range [...][]RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			if b, err = appendRR(b, rr, c); err != nil {
				return nil, err
			}
		}
	}
	return b, nil
}

// Len is the length of m packed; for a message that cannot be packed, the
// sum of its entries' uncompressed lengths.
func (m *Msg) Len() int {
	if b, err := m.Pack(); err == nil {
		return len(b)
	}
	n := 12
	for _, q := range m.Question {
		n += NameLen(q.Name) + 4
	}
	for _, sec := range [...][]RR{m.Answer, m.Ns, m.Extra} {
		for _, rr := range sec {
			n += Len(rr)
		}
	}
	return n
}

func (m *Msg) flags() uint16 {
	f := uint16(m.Opcode&0xf)<<11 | uint16(m.Rcode&0xf)
	for _, bit := range [...]struct {
		set  bool
		mask uint16
	}{{m.Response, 1 << 15}, {m.Authoritative, 1 << 10}, {m.Truncated, 1 << 9}, {m.RecursionDesired, 1 << 8}, {m.RecursionAvailable, 1 << 7}} {
		if bit.set {
			f |= bit.mask
		}
	}
	return f
}

// appendRR appends one resource record (RFC 1035 §4.1.3).
func appendRR(b []byte, rr RR, c compressor) ([]byte, error) {
	h := rr.Header()
	b, err := appendName(b, h.Name, c, true)
	if err != nil {
		return nil, err
	}
	b = binary.BigEndian.AppendUint16(b, h.Type)
	b = binary.BigEndian.AppendUint16(b, h.Class)
	b = binary.BigEndian.AppendUint32(b, h.TTL)
	lenAt := len(b)
	b = append(b, 0, 0)
	if b, err = rr.packRdata(b, c); err != nil {
		return nil, err
	}
	n := len(b) - lenAt - 2
	if n > 0xffff {
		return nil, fmt.Errorf("%w: %d octets of RDATA", ErrTooLarge, n)
	}
	binary.BigEndian.PutUint16(b[lenAt:], uint16(n))
	return b, nil
}

// Len is rr's length in wire format with no name compressed.
func Len(rr RR) int { return NameLen(rr.Header().Name) + 10 + rr.rdataLen() }

// Rdata returns rr's RDATA in wire format, names uncompressed (the form
// RFC 6762 §8.2 compares), or nil if rr cannot be encoded.
func Rdata(rr RR) []byte {
	b, err := rr.packRdata(make([]byte, 0, rr.rdataLen()), nil)
	if err != nil {
		return nil
	}
	return b
}

func (rr *A) rdataLen() int { return 4 }
func (rr *A) packRdata(b []byte, _ compressor) ([]byte, error) {
	if !rr.Addr.Is4() {
		return nil, fmt.Errorf("%w: A record for %v", ErrRdata, rr.Addr)
	}
	a := rr.Addr.As4()
	return append(b, a[:]...), nil
}

func (rr *AAAA) rdataLen() int { return 16 }
func (rr *AAAA) packRdata(b []byte, _ compressor) ([]byte, error) {
	if !rr.Addr.Is6() {
		return nil, fmt.Errorf("%w: AAAA record for %v", ErrRdata, rr.Addr)
	}
	a := rr.Addr.As16()
	return append(b, a[:]...), nil
}

func (rr *PTR) rdataLen() int { return NameLen(rr.Ptr) }
func (rr *PTR) packRdata(b []byte, c compressor) ([]byte, error) {
	return appendName(b, rr.Ptr, c, true)
}

func (rr *CNAME) rdataLen() int { return NameLen(rr.Target) }
func (rr *CNAME) packRdata(b []byte, c compressor) ([]byte, error) {
	return appendName(b, rr.Target, c, true)
}

func (rr *SRV) rdataLen() int { return 6 + NameLen(rr.Target) }
func (rr *SRV) packRdata(b []byte, c compressor) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, rr.Priority)
	b = binary.BigEndian.AppendUint16(b, rr.Weight)
	b = binary.BigEndian.AppendUint16(b, rr.Port)
	return appendName(b, rr.Target, c, false)
}

func (rr *TXT) rdataLen() int {
	n := 0
	for _, s := range rr.Txt {
		n += 1 + len(s)
	}
	return n
}

func (rr *TXT) packRdata(b []byte, _ compressor) ([]byte, error) {
	for _, s := range rr.Txt {
		if len(s) > 255 {
			return nil, fmt.Errorf("%w: TXT string of %d octets", ErrTooLarge, len(s))
		}
		b = append(append(b, byte(len(s))), s...)
	}
	return b, nil
}

func (rr *NSEC) rdataLen() int { return NameLen(rr.NextDomain) + len(appendBitmap(nil, rr.TypeBitMap)) }
func (rr *NSEC) packRdata(b []byte, c compressor) ([]byte, error) {
	b, err := appendName(b, rr.NextDomain, c, false)
	if err != nil {
		return nil, err
	}
	return appendBitmap(b, rr.TypeBitMap), nil
}

// appendBitmap appends the type bit maps of RFC 4034 §4.1.2: one block per
// 256-type window that has a type, as short as its highest type allows.
func appendBitmap(b []byte, types []uint16) []byte {
	if len(types) == 0 {
		return b
	}
	ts := slices.Clone(types)
	slices.Sort(ts)
	for i := 0; i < len(ts); {
		win := ts[i] >> 8
		var bits [32]byte
		n := 0
		for ; i < len(ts) && ts[i]>>8 == win; i++ {
			lo := ts[i] & 0xff
			bits[lo/8] |= 0x80 >> (lo % 8)
			n = int(lo/8) + 1
		}
		b = append(append(b, byte(win), byte(n)), bits[:n]...)
	}
	return b
}

func (rr *Unknown) rdataLen() int { return len(rr.Rdata) }
func (rr *Unknown) packRdata(b []byte, _ compressor) ([]byte, error) {
	return append(b, rr.Rdata...), nil
}
