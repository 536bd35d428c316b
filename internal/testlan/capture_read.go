package testlan

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Datagram is one UDP packet of a capture.
type Datagram struct {
	Time     time.Time
	Src, Dst netip.AddrPort
	Payload  []byte
}

// ReadCapture returns the UDP datagrams of a capture file (LAN.Capture's),
// decoded by tshark. It fails t if tshark cannot read the file.
func ReadCapture(t testing.TB, path string) []Datagram {
	t.Helper()
	needTools(t, "ReadCapture", "tshark")
	out, err := exec.Command("tshark", "-n", "-r", path, "-T", "fields", "-E", "separator=|",
		"-e", "frame.time_epoch", "-e", "ip.src", "-e", "ipv6.src", "-e", "ip.dst", "-e", "ipv6.dst",
		"-e", "udp.srcport", "-e", "udp.dstport", "-e", "udp.payload").Output()
	if err != nil {
		t.Fatalf("testlan: tshark -r %s: %v", path, err)
	}
	var ds []Datagram
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if line == "" {
			continue
		}
		d, err := parseDatagram(line)
		if err != nil {
			t.Fatalf("testlan: %s: %v", path, err)
		}
		ds = append(ds, d)
	}
	return ds
}

// parseDatagram parses one line of ReadCapture's tshark fields.
func parseDatagram(line string) (Datagram, error) {
	f := strings.Split(line, "|")
	if len(f) != 8 {
		return Datagram{}, fmt.Errorf("tshark line %q: %d fields, want 8", line, len(f))
	}
	var d Datagram
	secs, err := strconv.ParseFloat(f[0], 64)
	if err != nil {
		return d, fmt.Errorf("time %q: %w", f[0], err)
	}
	d.Time = time.Unix(0, int64(secs*1e9))
	src, dst := f[1]+f[2], f[3]+f[4]
	sport, err1 := strconv.ParseUint(f[5], 10, 16)
	dport, err2 := strconv.ParseUint(f[6], 10, 16)
	sa, err3 := netip.ParseAddr(src)
	da, err4 := netip.ParseAddr(dst)
	if err := firstErr(err1, err2, err3, err4); err != nil {
		return d, fmt.Errorf("tshark line %q: %w", line, err)
	}
	d.Src, d.Dst = netip.AddrPortFrom(sa, uint16(sport)), netip.AddrPortFrom(da, uint16(dport))
	if d.Payload, err = hex.DecodeString(strings.ReplaceAll(f[7], ":", "")); err != nil {
		return d, fmt.Errorf("payload of %q: %w", line, err)
	}
	return d, nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
