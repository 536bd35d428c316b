package main

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"syscall"
)

// openRaw opens a raw IPv4 socket that writes whole IP packets (the
// source address included) and sends multicast out of interface ifIndex.
func openRaw(ifIndex int) (int, error) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_RAW|syscall.SOCK_CLOEXEC, syscall.IPPROTO_RAW)
	if err != nil {
		return -1, fmt.Errorf("raw socket: %w", err)
	}
	if err := syscall.SetsockoptIPMreqn(fd, syscall.IPPROTO_IP, syscall.IP_MULTICAST_IF, &syscall.IPMreqn{Ifindex: int32(ifIndex)}); err != nil {
		syscall.Close(fd)
		return -1, fmt.Errorf("IP_MULTICAST_IF: %w", err)
	}
	return fd, nil
}

// sendRaw writes payload as a UDP datagram from src:5353 to the mDNS
// group, with TTL 255 (RFC 6762 §11) and no UDP checksum (optional over
// IPv4); the kernel fills in the IP checksum and ID.
func sendRaw(fd int, src netip.Addr, payload []byte) error {
	pkt := make([]byte, 28+len(payload))
	pkt[0], pkt[8], pkt[9] = 0x45, 255, syscall.IPPROTO_UDP
	binary.BigEndian.PutUint16(pkt[2:], uint16(len(pkt)))
	s, d := src.As4(), mdnsGroup.As4()
	copy(pkt[12:], s[:])
	copy(pkt[16:], d[:])
	binary.BigEndian.PutUint16(pkt[20:], 5353)
	binary.BigEndian.PutUint16(pkt[22:], 5353)
	binary.BigEndian.PutUint16(pkt[24:], uint16(8+len(payload)))
	copy(pkt[28:], payload)
	return syscall.Sendto(fd, pkt, 0, &syscall.SockaddrInet4{Addr: d})
}

func closeRaw(fd int) { syscall.Close(fd) }
