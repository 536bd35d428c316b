package txt_test

import (
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

// TestPayloadSizeTargets measures the DNS-SD flavour against go-micro's
// encoding of the same registrations (issue 3): the whole TXT RDATA must be
// at most half of go-micro's, and the 5-endpoint service must fit one
// 1500-byte Ethernet frame together with its PTR, SRV, A and AAAA records.
func TestPayloadSizeTargets(t *testing.T) {
	for _, v := range loadVectors(t) {
		strs, err := txt.EncodePayload(v.payload())
		if err != nil {
			t.Fatalf("%s: %v", v.Name, err)
		}
		ours, theirs := txt.RDataSize(strs), len(v.TXT.rdata(t))
		t.Logf("%-13s %d endpoints: DNS-SD flavour %4d bytes of RDATA, go-micro %4d (%.0f%%)",
			v.Name, len(v.Service.Endpoints), ours, theirs, 100*float64(ours)/float64(theirs))
		if 2*ours > theirs {
			t.Errorf("%s: %d bytes is more than half of go-micro's %d", v.Name, ours, theirs)
		}
		if len(v.Service.Endpoints) == 5 {
			checkFrame(t, v.Name, ours, theirs)
		}
	}
}

// checkFrame adds up one multicast response carrying the whole
// registration, with every variable-length name at the largest size the
// RFCs allow, and name compression as every responder does it
// (RFC 1035 §4.1.4).
func checkFrame(t *testing.T, name string, txtRData, goMicroRData int) {
	const (
		mtu        = 1500      // Ethernet payload
		ipUDP      = 40 + 8    // IPv6 + UDP headers; IPv4 would be 20 + 8
		dnsHeader  = 12        // RFC 1035 §4.1.1
		rrFixed    = 10        // TYPE, CLASS, TTL, RDLENGTH
		pointer    = 2         // compression pointer
		svcLabel   = 1 + 16    // "_" + a 15-character service name (RFC 6763 §7.2)
		tcpLabel   = 1 + 4     // "_tcp"
		localName  = 1 + 5 + 1 // "local" + root
		instLabel  = 1 + 63    // instance name: one label, at most 63 bytes
		hostLabel  = 1 + 63    // host name label, at most 63 bytes
		serviceLen = svcLabel + tcpLabel + localName

		// PTR _svc._tcp.local. → <instance>._svc._tcp.local.
		ptr = serviceLen + rrFixed + instLabel + pointer
		// SRV, owner = pointer to the instance name; priority, weight,
		// port, then <host>.local. with "local." compressed
		srv = pointer + rrFixed + 6 + hostLabel + pointer
		// TXT, owner = pointer to the instance name
		txtFixed = pointer + rrFixed
		// one A and two AAAA (link-local and routable), owner = pointer to the host name
		a    = pointer + rrFixed + 4
		aaaa = 2 * (pointer + rrFixed + 16)

		overhead = ipUDP + dnsHeader + ptr + srv + txtFixed + a + aaaa
	)
	ours := overhead + txtRData
	theirs := overhead + goMicroRData
	t.Logf("%s frame: %d (IPv6+UDP) + %d (DNS header) + %d (PTR) + %d (SRV) + %d (TXT without RDATA) + %d (A) + %d (2×AAAA) = %d bytes of overhead",
		name, ipUDP, dnsHeader, ptr, srv, txtFixed, a, aaaa, overhead)
	t.Logf("%s frame: %d + %d bytes of TXT = %d of %d (go-micro's TXT: %d)", name, overhead, txtRData, ours, mtu, theirs)
	if ours > mtu {
		t.Errorf("%s: response is %d bytes, more than one %d-byte frame", name, ours, mtu)
	}
}
