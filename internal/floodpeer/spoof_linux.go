package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// spoofSender writes every datagram whole (IPv4 and UDP headers included)
// through a raw socket, from port 5353 of a random host address of pfx
// to the mDNS group, out of interface iface, with TTL 255 (RFC 6762 §11)
// and no UDP checksum (optional over IPv4); the kernel fills in the IP
// checksum and ID.
func spoofSender(iface string, pfx netip.Prefix) (func([]byte) error, func() error, error) {
	ifi, err := net.InterfaceByName(iface)
	if err != nil {
		return nil, nil, fmt.Errorf("-spoof needs -iface: %w", err)
	}
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.IPPROTO_RAW)
	if err != nil {
		return nil, nil, fmt.Errorf("raw socket: %w", err)
	}
	if err := syscall.SetsockoptIPMreqn(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, &syscall.IPMreqn{Ifindex: int32(ifi.Index)}); err != nil {
		syscall.Close(fd)
		return nil, nil, fmt.Errorf("IP_MULTICAST_IF: %w", err)
	}
	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 5353))
	base := binary.BigEndian.Uint32(pfx.Masked().Addr().AsSlice())
	size := uint32(1) << (32 - pfx.Bits())
	group := [4]byte{224, 0, 0, 251}
	send := func(payload []byte) error {
		pkt := make([]byte, 28+len(payload))
		pkt[0], pkt[8], pkt[9] = 0x45, 255, syscall.IPPROTO_UDP
		binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)))
		binary.BigEndian.PutUint32(pkt[12:], base+1+rnd.Uint32N(size-2)) // neither network nor broadcast address
		copy(pkt[16:], group[:])
		binary.BigEndian.PutUint16(pkt[20:], 5353)
		binary.BigEndian.PutUint16(pkt[22:], 5353)
		binary.BigEndian.PutUint16(pkt[24:], uint16(8+len(payload)))
		copy(pkt[28:], payload)
		return syscall.Sendto(fd, pkt, 0, &syscall.SockaddrInet4{Addr: group})
	}
	return send, func() error { return syscall.Close(fd) }, nil
}
