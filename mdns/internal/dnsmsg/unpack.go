package dnsmsg

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// Unpack decodes a wire-format message into m. A message that ends
// cleanly between two entries before its header's counts are met is
// accepted with the entries it has; anything that ends inside an entry,
// or any malformed entry, is an error.
func (m *Msg) Unpack(b []byte) error {
	if len(b) < 12 {
		return ErrShort
	}
	*m = Msg{ID: binary.BigEndian.Uint16(b)}
	f := binary.BigEndian.Uint16(b[2:])
	m.Response = f&(1<<15) != 0
	m.Opcode = uint8(f>>11) & 0xf
	m.Authoritative = f&(1<<10) != 0
	m.Truncated = f&(1<<9) != 0
	m.RecursionDesired = f&(1<<8) != 0
	m.RecursionAvailable = f&(1<<7) != 0
	m.Rcode = uint8(f & 0xf)
	off := 12
	// Sections are sized from the header, bounded by what the bytes left
	// can hold (a question takes at least 5, a record 11): a hostile
	// header cannot make us allocate. A section left empty stays nil.
	if n := min(int(binary.BigEndian.Uint16(b[4:])), (len(b)-off)/5); n > 0 {
		m.Question = make([]Question, 0, n)
	}
	for range binary.BigEndian.Uint16(b[4:]) {
		if off == len(b) {
			return nil
		}
		q, next, err := UnpackQuestion(b, off)
		if err != nil {
			return err
		}
		m.Question = append(m.Question, q)
		off = next
	}
	for i, sec := range [...]*[]RR{&m.Answer, &m.Ns, &m.Extra} {
		if n := min(int(binary.BigEndian.Uint16(b[6+2*i:])), (len(b)-off)/11); n > 0 {
			*sec = make([]RR, 0, n)
		}
		for range binary.BigEndian.Uint16(b[6+2*i:]) {
			if off == len(b) {
				return nil
			}
			rr, next, err := UnpackRR(b, off)
			if err != nil {
				return err
			}
			*sec = append(*sec, rr)
			off = next
		}
	}
	return nil
}

// UnpackQuestion decodes the question at msg[off:] and returns the offset
// after it.
func UnpackQuestion(msg []byte, off int) (Question, int, error) {
	name, next, err := UnpackName(msg, off)
	if err != nil {
		return Question{}, 0, err
	}
	if next+4 > len(msg) {
		return Question{}, 0, ErrShort
	}
	return Question{Name: name, Qtype: binary.BigEndian.Uint16(msg[next:]), Qclass: binary.BigEndian.Uint16(msg[next+2:])}, next + 4, nil
}

// SkipRR returns the offset after the record at msg[off:] without decoding
// its RDATA, for a reader that keeps the records around a malformed one.
func SkipRR(msg []byte, off int) (int, error) {
	_, next, err := UnpackName(msg, off)
	if err != nil {
		return 0, err
	}
	if next+10 > len(msg) {
		return 0, ErrShort
	}
	end := next + 10 + int(binary.BigEndian.Uint16(msg[next+8:]))
	if end > len(msg) {
		return 0, ErrShort
	}
	return end, nil
}

// UnpackRR decodes the resource record at msg[off:] and returns the offset
// after it. msg is the whole message, for the compression pointers.
func UnpackRR(msg []byte, off int) (RR, int, error) {
	name, next, err := UnpackName(msg, off)
	if err != nil {
		return nil, 0, err
	}
	if next+10 > len(msg) {
		return nil, 0, ErrShort
	}
	h := Header{
		Name:  name,
		Type:  binary.BigEndian.Uint16(msg[next:]),
		Class: binary.BigEndian.Uint16(msg[next+2:]),
		TTL:   binary.BigEndian.Uint32(msg[next+4:]),
	}
	start := next + 10
	end := start + int(binary.BigEndian.Uint16(msg[next+8:]))
	if end > len(msg) {
		return nil, 0, ErrShort
	}
	rr, err := unpackRdata(h, msg, start, end)
	if err != nil {
		return nil, 0, fmt.Errorf("%s record for %q: %w", typeName(h.Type), name, err)
	}
	return rr, end, nil
}

func unpackRdata(h Header, msg []byte, off, end int) (RR, error) {
	rd := msg[off:end]
	switch h.Type {
	case TypeA:
		if len(rd) != 4 {
			return nil, ErrRdata
		}
		return &A{Hdr: h, Addr: netip.AddrFrom4([4]byte(rd))}, nil
	case TypeAAAA:
		if len(rd) != 16 {
			return nil, ErrRdata
		}
		return &AAAA{Hdr: h, Addr: netip.AddrFrom16([16]byte(rd))}, nil
	case TypePTR, TypeCNAME:
		target, err := nameFilling(msg, off, end)
		if err != nil {
			return nil, err
		}
		if h.Type == TypeCNAME {
			return &CNAME{Hdr: h, Target: target}, nil
		}
		return &PTR{Hdr: h, Ptr: target}, nil
	case TypeSRV:
		if len(rd) < 7 {
			return nil, ErrRdata
		}
		target, err := nameFilling(msg, off+6, end)
		if err != nil {
			return nil, err
		}
		return &SRV{Hdr: h, Priority: binary.BigEndian.Uint16(rd), Weight: binary.BigEndian.Uint16(rd[2:]),
			Port: binary.BigEndian.Uint16(rd[4:]), Target: target}, nil
	case TypeTXT:
		n := 0
		for i := 0; i < len(rd); i += 1 + int(rd[i]) {
			n++
		}
		var strs []string // nil for an empty RDATA, as for the other sections
		if n > 0 {
			strs = make([]string, 0, n)
		}
		for i := 0; i < len(rd); {
			n := int(rd[i])
			if i+1+n > len(rd) {
				return nil, ErrRdata
			}
			strs = append(strs, string(rd[i+1:i+1+n]))
			i += 1 + n
		}
		return &TXT{Hdr: h, Txt: strs}, nil
	case TypeNSEC:
		next, after, err := UnpackName(msg[:end], off)
		if err != nil {
			return nil, err
		}
		types, err := parseBitmap(msg[after:end])
		if err != nil {
			return nil, err
		}
		return &NSEC{Hdr: h, NextDomain: next, TypeBitMap: types}, nil
	}
	return &Unknown{Hdr: h, Rdata: append([]byte(nil), rd...)}, nil
}

// nameFilling decodes a name that must end exactly at end.
func nameFilling(msg []byte, off, end int) (string, error) {
	name, next, err := UnpackName(msg[:end], off)
	if err != nil {
		return "", err
	}
	if next != end {
		return "", fmt.Errorf("%w: %d octets after the name", ErrRdata, end-next)
	}
	return name, nil
}

// parseBitmap decodes RFC 4034 §4.1.2 type bit maps: blocks of 1 to 32
// octets, in increasing window order.
func parseBitmap(b []byte) ([]uint16, error) {
	var types []uint16
	last := -1
	for len(b) > 0 {
		if len(b) < 2 {
			return nil, ErrRdata
		}
		win, n := int(b[0]), int(b[1])
		if win <= last || n == 0 || n > 32 || 2+n > len(b) {
			return nil, fmt.Errorf("%w: NSEC bit map block (window %d, %d octets)", ErrRdata, win, n)
		}
		for i, oct := range b[2 : 2+n] {
			for bit := range 8 {
				if oct&(0x80>>bit) != 0 {
					types = append(types, uint16(win<<8|i*8+bit))
				}
			}
		}
		last, b = win, b[2+n:]
	}
	return types, nil
}

func typeName(t uint16) string {
	switch t {
	case TypeA:
		return "A"
	case TypeAAAA:
		return "AAAA"
	case TypePTR:
		return "PTR"
	case TypeCNAME:
		return "CNAME"
	case TypeSRV:
		return "SRV"
	case TypeTXT:
		return "TXT"
	case TypeNSEC:
		return "NSEC"
	}
	return fmt.Sprintf("TYPE%d", t)
}
