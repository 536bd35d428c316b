package mdns

import (
	"encoding/binary"
	"net/netip"
)

// WindowsNetwork wraps n so that the sockets it opens hand each datagram
// to the Conn as Windows hands it to Go's ReadMsgUDPAddrPort: the payload
// and the source, with the receiving interface and the destination only
// as an IN_PKTINFO / IN6_PKTINFO control object in 64-bit Windows' layout
// (none at all when pktinfo is false, as without IP_PKTINFO), which the
// real Windows receive path (sysWinReader) then decodes.
func WindowsNetwork(n Network, pktinfo bool) Network { return winNetwork{Network: n, pktinfo: pktinfo} }

type winNetwork struct {
	Network
	pktinfo bool
}

func (w winNetwork) ListenPacket(network string, port int) (PacketConn, error) {
	c, err := w.Network.ListenPacket(network, port)
	if err != nil {
		return nil, err
	}
	v6 := network == "udp6"
	wire := &winWire{c: c, pktinfo: w.pktinfo}
	return &winConn{PacketConn: c, r: &sysWinReader{r: wire, v6: v6, ptrSize: 8}}, nil
}

// winConn reads through the Windows receive path; the rest is the
// wrapped socket's.
type winConn struct {
	PacketConn
	r *sysWinReader
}

func (c *winConn) ReadFrom(b []byte) (int, PacketInfo, error) { return c.r.ReadFrom(b) }

// winWire plays Windows and WSARecvMsg: what the link delivered becomes
// a source address and control bytes.
type winWire struct {
	c       PacketConn
	pktinfo bool
}

func (w *winWire) ReadMsgUDPAddrPort(b, oob []byte) (int, int, int, netip.AddrPort, error) {
	n, info, err := w.c.ReadFrom(b)
	if err != nil {
		return n, 0, 0, netip.AddrPort{}, err
	}
	oobn := 0
	if w.pktinfo {
		oobn = copy(oob, winPktinfo(8, info.Dst, info.IfIndex))
	}
	return n, oobn, 0, info.Src, nil
}

// winCmsg lays out one control object as ws2def.h defines it: a header
// of SIZE_T length, INT level, INT type, the data right after it, the
// whole padded to the pointer size.
func winCmsg(ptrSize int, level, typ uint32, data []byte) []byte {
	hdr := ptrSize + 8
	l := hdr + len(data)
	b := make([]byte, (l+ptrSize-1)/ptrSize*ptrSize)
	if ptrSize == 8 {
		binary.LittleEndian.PutUint64(b, uint64(l))
	} else {
		binary.LittleEndian.PutUint32(b, uint32(l))
	}
	binary.LittleEndian.PutUint32(b[ptrSize:], level)
	binary.LittleEndian.PutUint32(b[ptrSize+4:], typ)
	copy(b[hdr:], data)
	return b
}

// winPktinfo is the IN_PKTINFO (level IPPROTO_IP = 0) or IN6_PKTINFO
// (IPPROTO_IPV6 = 41) object, type 19, for dst and ifIndex.
func winPktinfo(ptrSize int, dst netip.Addr, ifIndex int) []byte {
	if dst.Is4() {
		a := dst.As4()
		return winCmsg(ptrSize, 0, 19, binary.LittleEndian.AppendUint32(a[:], uint32(ifIndex)))
	}
	a := dst.As16()
	return winCmsg(ptrSize, 41, 19, binary.LittleEndian.AppendUint32(a[:], uint32(ifIndex)))
}
