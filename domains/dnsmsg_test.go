package domains

import (
	"encoding/binary"
	"errors"
	"strings"
)

// A minimal DNS message reader for checking what goes on the wire: this
// package may not use miekg/dns (only package mdns touches the wire), and
// its tests only need names, types, TTLs and a few RDATA shapes.

type wireRR struct {
	name  string // presentation, lower-cased, with trailing dot
	typ   uint16
	class uint16
	ttl   uint32
	rdata []byte
	txt   [][]byte // TXT strings
	port  uint16   // SRV
	ptr   string   // PTR target, SRV target
}

type wireMsg struct {
	response bool
	qd       []string
	answers  []wireRR // answer, authority and additional, in order
}

const (
	tA    = 1
	tPTR  = 12
	tTXT  = 16
	tAAAA = 28
	tSRV  = 33
	tOPT  = 41
	tNSEC = 47
)

var errShort = errors.New("short message")

func parseMsg(b []byte) (*wireMsg, error) {
	if len(b) < 12 {
		return nil, errShort
	}
	m := &wireMsg{response: b[2]&0x80 != 0}
	qd := int(binary.BigEndian.Uint16(b[4:]))
	n := int(binary.BigEndian.Uint16(b[6:])) + int(binary.BigEndian.Uint16(b[8:])) + int(binary.BigEndian.Uint16(b[10:]))
	off := 12
	for range qd {
		name, o, err := readName(b, off)
		if err != nil {
			return nil, err
		}
		if o+4 > len(b) {
			return nil, errShort
		}
		m.qd = append(m.qd, name)
		off = o + 4
	}
	for range n {
		name, o, err := readName(b, off)
		if err != nil {
			return nil, err
		}
		if o+10 > len(b) {
			return nil, errShort
		}
		rr := wireRR{
			name:  name,
			typ:   binary.BigEndian.Uint16(b[o:]),
			class: binary.BigEndian.Uint16(b[o+2:]),
			ttl:   binary.BigEndian.Uint32(b[o+4:]),
		}
		l := int(binary.BigEndian.Uint16(b[o+8:]))
		o += 10
		if o+l > len(b) {
			return nil, errShort
		}
		rr.rdata = b[o : o+l]
		switch rr.typ {
		case tTXT:
			for i := 0; i < l; {
				sl := int(rr.rdata[i])
				if i+1+sl > l {
					return nil, errShort
				}
				rr.txt = append(rr.txt, rr.rdata[i+1:i+1+sl])
				i += 1 + sl
			}
		case tPTR:
			if rr.ptr, _, err = readName(b, o); err != nil {
				return nil, err
			}
		case tSRV:
			if l < 7 {
				return nil, errShort
			}
			rr.port = binary.BigEndian.Uint16(rr.rdata[4:])
			if rr.ptr, _, err = readName(b, o+6); err != nil {
				return nil, err
			}
		}
		m.answers = append(m.answers, rr)
		off = o + l
	}
	return m, nil
}

// readName reads a possibly compressed name; labels are not unescaped.
func readName(b []byte, off int) (string, int, error) {
	var labels []string
	end := -1
	for hops := 0; hops < 64; hops++ {
		if off >= len(b) {
			return "", 0, errShort
		}
		c := int(b[off])
		switch {
		case c == 0:
			if end < 0 {
				end = off + 1
			}
			return strings.ToLower(strings.Join(labels, ".")) + ".", end, nil
		case c&0xc0 == 0xc0:
			if off+1 >= len(b) {
				return "", 0, errShort
			}
			if end < 0 {
				end = off + 2
			}
			off = int(binary.BigEndian.Uint16(b[off:]) & 0x3fff)
		default:
			if off+1+c > len(b) {
				return "", 0, errShort
			}
			labels = append(labels, string(b[off+1:off+1+c]))
			off += 1 + c
		}
	}
	return "", 0, errors.New("compression loop")
}
