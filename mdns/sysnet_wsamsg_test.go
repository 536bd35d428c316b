package mdns

import (
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
)

// The Windows receive path, on any platform: the decoding of the control
// data WSARecvMsg returns, and the reader over it.

// sysHex decodes a test vector written with spaces between fields.
func sysHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Hand-assembled control data (ws2def.h / ws2ipdef.h layouts), not
// produced by winCmsg, so the decoder and the test encoder are checked
// against the same independent bytes.
const (
	// 64-bit: cmsg_len 24 (8-byte SIZE_T), level 0, type 19, data at 16:
	// 224.0.0.251 and interface 7.
	sysWin64v4 = "1800000000000000 00000000 13000000 e00000fb 07000000"
	// 64-bit IPv6: cmsg_len 36, level 41, type 19, ff02::fb, interface
	// 12, padding to 40.
	sysWin64v6 = "2400000000000000 29000000 13000000 ff02 00000000000000000000000000 fb 0c000000 00000000"
	// 32-bit: cmsg_len 20 (4-byte SIZE_T), data at 12: 10.0.0.1,
	// interface 3.
	sysWin32v4 = "14000000 00000000 13000000 0a000001 03000000"
	// 64-bit: an unrelated object (level 0, type 8, 4 bytes of data,
	// cmsg_len 20 padded to 24) before the packet info.
	sysWin64other = "1400000000000000 00000000 08000000 ffffffff 00000000" + sysWin64v4
)

func TestSysWinPacketInfo(t *testing.T) {
	for _, tc := range []struct {
		name    string
		oob     string
		v6      bool
		ptrSize int
		dst     string // "" when nothing is found
		ifIndex int
	}{
		{"64-bit IPv4", sysWin64v4, false, 8, "224.0.0.251", 7},
		{"64-bit IPv6", sysWin64v6, true, 8, "ff02::fb", 12},
		{"32-bit IPv4", sysWin32v4, false, 4, "10.0.0.1", 3},
		{"after another object", sysWin64other, false, 8, "224.0.0.251", 7},
		{"IPv6 socket ignores IN_PKTINFO", sysWin64v4, true, 8, "", 0},
		{"IPv4 socket ignores IN6_PKTINFO", sysWin64v6, false, 8, "", 0},
		{"32-bit data read with the 64-bit layout", sysWin32v4, false, 8, "", 0},
		{"empty", "", false, 8, "", 0},
		{"header cut", strings.ReplaceAll(sysWin64v4, " ", "")[:20], false, 8, "", 0},
		{"data cut", strings.ReplaceAll(sysWin64v4, " ", "")[:44], false, 8, "", 0},
		{"length past the end", "2000000000000000 00000000 13000000 e00000fb 07000000", false, 8, "", 0},
		{"length shorter than the header", "0800000000000000 00000000 13000000 e00000fb 07000000", false, 8, "", 0},
		{"length short of IN_PKTINFO", "1400000000000000 00000000 13000000 e00000fb 07000000", false, 8, "", 0},
		{"huge length", "ffffffffffffffff 00000000 13000000 e00000fb 07000000", false, 8, "", 0},
		{"interface 0", "1800000000000000 00000000 13000000 e00000fb 00000000", false, 8, "", 0},
		{"interface beyond int32", "1800000000000000 00000000 13000000 e00000fb 00000080", false, 8, "", 0},
		{"unknown pointer size", sysWin64v4, false, 2, "", 0},
	} {
		dst, idx := sysWinPacketInfo(sysHex(t, tc.oob), tc.v6, tc.ptrSize)
		got := ""
		if dst.IsValid() {
			got = dst.String()
		}
		if got != tc.dst || idx != tc.ifIndex {
			t.Errorf("%s: %q, %d; want %q, %d", tc.name, got, idx, tc.dst, tc.ifIndex)
		}
	}
}

// TestSysWinCmsgMatchesVectors checks the encoder the Windows seam tests
// use against the hand-assembled vectors.
func TestSysWinCmsgMatchesVectors(t *testing.T) {
	for _, tc := range []struct {
		got  []byte
		want string
	}{
		{winPktinfo(8, netip.MustParseAddr("224.0.0.251"), 7), sysWin64v4},
		{winPktinfo(8, netip.MustParseAddr("ff02::fb"), 12), sysWin64v6},
		{winPktinfo(4, netip.MustParseAddr("10.0.0.1"), 3), sysWin32v4},
	} {
		if want := sysHex(t, tc.want); string(tc.got) != string(want) {
			t.Errorf("encoded %x, want %x", tc.got, want)
		}
	}
}

// sysFakeMsgReader returns one scripted datagram per call.
type sysFakeMsgReader struct {
	payload string
	oob     []byte
	oobn    int // overrides len(oob) when nonzero
	src     netip.AddrPort
	err     error
}

func (f *sysFakeMsgReader) ReadMsgUDPAddrPort(b, oob []byte) (int, int, int, netip.AddrPort, error) {
	if f.err != nil {
		return 3, 0, 0, netip.AddrPort{}, f.err
	}
	n := copy(b, f.payload)
	oobn := copy(oob, f.oob)
	if f.oobn != 0 {
		oobn = f.oobn
	}
	return n, oobn, 0, f.src, nil
}

var sysErrTooBig = errors.New("message too long")

func TestSysWinReader(t *testing.T) {
	src4 := netip.MustParseAddrPort("10.0.0.2:5353")
	for _, tc := range []struct {
		name string
		r    sysFakeMsgReader
		v6   bool
		want PacketInfo
	}{
		{"IPv4 multicast", sysFakeMsgReader{payload: "q", oob: winPktinfo(8, groupIPv4, 7), src: src4},
			false, PacketInfo{Src: src4, Dst: groupIPv4, IfIndex: 7}},
		{"IPv6 link-local keeps its zone", sysFakeMsgReader{payload: "q", oob: winPktinfo(8, groupIPv6, 12),
			src: netip.MustParseAddrPort("[fe80::2%Ethernet]:5353")},
			true, PacketInfo{Src: netip.MustParseAddrPort("[fe80::2%Ethernet]:5353"), Dst: groupIPv6, IfIndex: 12}},
		{"IPv6 link-local without zone gets the index", sysFakeMsgReader{payload: "q", oob: winPktinfo(8, groupIPv6, 12),
			src: netip.MustParseAddrPort("[fe80::2]:5353")},
			true, PacketInfo{Src: netip.MustParseAddrPort("[fe80::2%12]:5353"), Dst: groupIPv6, IfIndex: 12}},
		{"no control data: interface unknown", sysFakeMsgReader{payload: "q", src: src4},
			false, PacketInfo{Src: src4}},
		{"control length beyond the buffer", sysFakeMsgReader{payload: "q", oob: winPktinfo(8, groupIPv4, 7), oobn: 1000, src: src4},
			false, PacketInfo{Src: src4}},
		{"garbage control data", sysFakeMsgReader{payload: "q", oob: []byte("not a WSACMSGHDR at all"), src: src4},
			false, PacketInfo{Src: src4}},
	} {
		w := &sysWinReader{r: &tc.r, v6: tc.v6, ptrSize: 8}
		b := make([]byte, 10)
		n, info, err := w.ReadFrom(b)
		if err != nil || string(b[:n]) != "q" || info != tc.want {
			t.Errorf("%s: %q %+v %v; want %+v", tc.name, b[:n], info, err, tc.want)
		}
	}

	// Too long for the buffer: reported as filling it, so the Conn drops
	// it as oversized, and reading goes on.
	w := &sysWinReader{r: &sysFakeMsgReader{err: sysErrTooBig}, ptrSize: 8,
		tooBig: func(err error) bool { return errors.Is(err, sysErrTooBig) }}
	if n, _, err := w.ReadFrom(make([]byte, 10)); n != 10 || err != nil {
		t.Errorf("oversized datagram: %d, %v; want 10, nil", n, err)
	}
	// Close unblocks a read with net.ErrClosed, which the read loop
	// looks for.
	w = &sysWinReader{r: &sysFakeMsgReader{err: net.ErrClosed}, ptrSize: 8, tooBig: w.tooBig}
	if _, _, err := w.ReadFrom(make([]byte, 10)); !errors.Is(err, net.ErrClosed) {
		t.Errorf("closed socket: %v, want net.ErrClosed", err)
	}
}

// FuzzSysWinPacketInfo: arbitrary control data never panics, and what is
// found is a real interface index and an address of the socket's family.
func FuzzSysWinPacketInfo(f *testing.F) {
	for _, v := range []string{sysWin64v4, sysWin64v6, sysWin32v4, sysWin64other} {
		f.Add(sysHex(f, v), false, true)
		f.Add(sysHex(f, v), true, true)
		f.Add(sysHex(f, v), false, false)
	}
	f.Fuzz(func(t *testing.T, oob []byte, v6, is64 bool) {
		ptrSize := 4
		if is64 {
			ptrSize = 8
		}
		dst, idx := sysWinPacketInfo(oob, v6, ptrSize)
		if dst.IsValid() != (idx > 0) {
			t.Fatalf("dst %v with interface %d", dst, idx)
		}
		if dst.IsValid() && dst.Is6() != v6 {
			t.Fatalf("dst %v on a v6=%v socket", dst, v6)
		}
	})
}
