package mdns

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"unsafe"
)

// The Windows receive path. x/net reports no receiving interface on
// Windows, so ListenPacket sets IP_PKTINFO / IPV6_PKTINFO there
// (sysOptsWindows) and reads with UDPConn.ReadMsgUDPAddrPort, which Go
// implements with WSARecvMsg: the interface and destination of each
// datagram then arrive as control data in Windows' own layout, decoded
// here. Nothing in this file depends on Windows, so the decoding is tested
// (and fuzzed) everywhere.

// sysMsgReader is what the Windows receive path needs of a socket;
// *net.UDPConn has it.
type sysMsgReader interface {
	ReadMsgUDPAddrPort(b, oob []byte) (n, oobn, flags int, addr netip.AddrPort, err error)
}

// sysPtrSize is the size of SIZE_T, which sets the layout of WSACMSGHDR.
const sysPtrSize = int(unsafe.Sizeof(uintptr(0)))

// sysWinOOB is room for one IN6_PKTINFO control object on 64-bit Windows
// (16-byte header, 20 bytes of data, aligned: 40) with margin.
const sysWinOOB = 64

// Winsock's numbers (ws2def.h, ws2ipdef.h): the levels are the IP protocol
// numbers, and IP_PKTINFO and IPV6_PKTINFO are both 19.
const (
	sysWinLevelIP   = 0
	sysWinLevelIPv6 = 41
	sysWinPktinfo   = 19
)

// sysWinReader reads one datagram and finds where it arrived.
type sysWinReader struct {
	r       sysMsgReader
	v6      bool
	ptrSize int              // 8 on 64-bit Windows, 4 on 32-bit
	tooBig  func(error) bool // the error of a datagram longer than the buffer
}

// ReadFrom reads one datagram. Without a usable packet-info object the
// datagram comes back with IfIndex 0 and the zero Dst, which the Conn
// counts as from an unknown interface and never answers (RFC 6762 §11).
// A datagram longer than b is reported as n == len(b), as on the other
// platforms, so the caller drops it as oversized.
func (w *sysWinReader) ReadFrom(b []byte) (int, PacketInfo, error) {
	var oob [sysWinOOB]byte
	n, oobn, _, src, err := w.r.ReadMsgUDPAddrPort(b, oob[:])
	if err != nil {
		if w.tooBig != nil && w.tooBig(err) {
			return len(b), PacketInfo{}, nil
		}
		return 0, PacketInfo{}, fmt.Errorf("mdns: read: %w", err)
	}
	var info PacketInfo
	if oobn >= 0 && oobn <= len(oob) {
		info.Dst, info.IfIndex = sysWinPacketInfo(oob[:oobn], w.v6, w.ptrSize)
	}
	info.Src = sysSource(src, info.IfIndex)
	return n, info, nil
}

// sysWinPacketInfo finds the IN_PKTINFO (IPv4) or IN6_PKTINFO (IPv6)
// object in control data as WSARecvMsg writes it, and returns its
// destination address and interface index; the zero Addr and 0 when there
// is none or it is malformed.
//
// The layout (ws2def.h): each object is a WSACMSGHDR { SIZE_T cmsg_len;
// INT cmsg_level; INT cmsg_type; } followed by its data at the header
// size rounded up to MAX_NATURAL_ALIGNMENT, and the next object starts at
// cmsg_len rounded up to the alignment of WSACMSGHDR. SIZE_T, both
// alignments and the pointer size are one number on every Windows: 8 on
// 64-bit, 4 on 32-bit. cmsg_len counts the header and the data, not the
// padding. IN_PKTINFO is { IN_ADDR ipi_addr; ULONG ipi_ifindex; },
// IN6_PKTINFO { IN6_ADDR ipi6_addr; ULONG ipi6_ifindex; } (ws2ipdef.h):
// the address in network order, the index in the host's (little-endian on
// every Windows Go runs on). The index is the interface's IF_INDEX, the one
// net.Interfaces reports as Index (GetAdaptersAddresses' IfIndex, which
// is also the IPv6 index of the same interface).
func sysWinPacketInfo(oob []byte, v6 bool, ptrSize int) (netip.Addr, int) {
	if ptrSize != 4 && ptrSize != 8 {
		return netip.Addr{}, 0
	}
	hdr := ptrSize + 8 // already a multiple of the alignment
	level, size := sysWinLevelIP, 8
	if v6 {
		level, size = sysWinLevelIPv6, 20
	}
	for len(oob) >= hdr {
		var l uint64
		if ptrSize == 8 {
			l = binary.LittleEndian.Uint64(oob)
		} else {
			l = uint64(binary.LittleEndian.Uint32(oob))
		}
		lvl := int32(binary.LittleEndian.Uint32(oob[ptrSize:]))
		typ := int32(binary.LittleEndian.Uint32(oob[ptrSize+4:]))
		if l < uint64(hdr) || l > uint64(len(oob)) {
			return netip.Addr{}, 0
		}
		if lvl == int32(level) && typ == sysWinPktinfo {
			data := oob[hdr:l]
			if len(data) < size {
				return netip.Addr{}, 0
			}
			idx := binary.LittleEndian.Uint32(data[size-4:])
			if idx == 0 || idx > 1<<31-1 {
				return netip.Addr{}, 0
			}
			if v6 {
				return netip.AddrFrom16([16]byte(data[:16])), int(idx)
			}
			return netip.AddrFrom4([4]byte(data[:4])), int(idx)
		}
		next := (l + uint64(ptrSize) - 1) &^ uint64(ptrSize-1)
		if next >= uint64(len(oob)) {
			break
		}
		oob = oob[next:]
	}
	return netip.Addr{}, 0
}
