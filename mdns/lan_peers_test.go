package mdns_test

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
	"github.com/miekg/dns"
)

// zcPublishScript publishes services with python-zeroconf until SIGTERM,
// then unregisters them (goodbyes) and exits. argv[1] is a JSON list of
// {"type", "name", "port", "server", "addrs", "txt" (list of [key, value]
// pairs, value null for a boolean key), "ttl" (optional, seconds, both
// host_ttl and other_ttl)}. It prints "registered NAME" per service and
// "unregistered" at the end.
const zcPublishScript = `
import json, signal, sys, threading
from zeroconf import IPVersion, ServiceInfo, Zeroconf
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: stop.set())
zc = Zeroconf(ip_version=IPVersion.All)
infos = []
for s in json.loads(sys.argv[1]):
    kw = {}
    if "ttl" in s:
        kw = {"host_ttl": s["ttl"], "other_ttl": s["ttl"]}
    info = ServiceInfo(s["type"], s["name"] + "." + s["type"], port=s["port"], server=s["server"],
                       properties={k: v for k, v in (s.get("txt") or [])}, parsed_addresses=s["addrs"], **kw)
    zc.register_service(info)
    infos.append(info)
    print("registered", info.name, flush=True)
while not stop.wait(0.05):
    pass
for info in infos:
    zc.unregister_service(info)
print("unregistered", flush=True)
zc.close()
`

// scriptFile writes a script into a directory of t's that every host of
// the LAN sees (only /run is private to the LAN) and returns its path.
func scriptFile(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// zcService is one service for zcPublishScript.
type zcService struct {
	Type   string      `json:"type"`
	Name   string      `json:"name"`
	Port   int         `json:"port"`
	Server string      `json:"server"`
	Addrs  []string    `json:"addrs"`
	TXT    [][2]string `json:"-"`
	Bools  []string    `json:"-"` // boolean keys, after TXT
	TTL    int         `json:"ttl,omitempty"`
}

func (s zcService) MarshalJSON() ([]byte, error) {
	type plain zcService
	var txt [][2]any
	for _, kv := range s.TXT {
		txt = append(txt, [2]any{kv[0], kv[1]})
	}
	for _, k := range s.Bools {
		txt = append(txt, [2]any{k, nil})
	}
	return json.Marshal(struct {
		plain
		TXT [][2]any `json:"txt"`
	}{plain(s), txt})
}

// zcPublish starts zcPublishScript on h and waits until every service is
// registered (python-zeroconf probes first).
func zcPublish(t *testing.T, h *testlan.Host, svcs ...zcService) *testlan.Proc {
	t.Helper()
	spec, err := json.Marshal(svcs)
	if err != nil {
		t.Fatal(err)
	}
	p := h.Start(t, "/usr/bin/python3", scriptFile(t, "zcpublish.py", zcPublishScript), string(spec))
	for _, s := range svcs {
		if !p.WaitOutput(15*time.Second, "registered "+s.Name+"."+s.Type) {
			t.Fatalf("python-zeroconf on %s did not register %q:\n%s", h.Name, s.Name, p.Output())
		}
	}
	return p
}

// dnsProbeScript sends one DNS query for a PTR name and prints the
// responses it receives within a timeout, as one JSON object
// {"id", "sport", "replies": [{"from", "port", "hex"}]}.
//
//	unicast SRC DST NAME TIMEOUT    from SRC, an ephemeral port (a legacy
//	                                unicast query, RFC 6762 §6.7), to DST:5353
//	multicast SRC IFADDR NAME TIMEOUT
//	                                from SRC:5353 to 224.0.0.251 out of the
//	                                interface with address IFADDR; replies are
//	                                the responses heard on the group there
const dnsProbeScript = `
import json, os, select, socket, struct, sys, time
mode, src, dst, name, timeout = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], float(sys.argv[5])
qid = 0 if mode == "multicast" else (os.getpid() * 7919) % 65535 + 1
q = struct.pack("!HHHHHH", qid, 0, 1, 0, 0, 0)
for label in name.rstrip(".").split("."):
    q += bytes([len(label)]) + label.encode()
q += b"\0" + struct.pack("!HH", 12, 1)
fam = socket.AF_INET6 if ":" in src else socket.AF_INET
if mode == "unicast":
    tx = socket.socket(fam, socket.SOCK_DGRAM)
    tx.bind((src, 0))
    rx = tx
    tx.sendto(q, (dst, 5353))
else:
    rx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    rx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    rx.bind(("", 5353))
    rx.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton("224.0.0.251") + socket.inet_aton(dst))
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    tx.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tx.bind((src, 5353))
    tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, socket.inet_aton(dst))
    tx.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 255)
    tx.sendto(q, ("224.0.0.251", 5353))
replies = []
end = time.monotonic() + timeout
while True:
    left = end - time.monotonic()
    if left <= 0 or not select.select([rx], [], [], left)[0]:
        break
    data, addr = rx.recvfrom(9000)
    if len(data) >= 4 and data[2] & 0x80:
        replies.append({"from": addr[0], "port": addr[1], "hex": data.hex()})
print(json.dumps({"id": qid, "sport": tx.getsockname()[1], "replies": replies}), flush=True)
`

// probeResult is dnsProbeScript's output with the replies parsed.
type probeResult struct {
	ID      uint16
	Sport   int
	Replies []probeReply
}

type probeReply struct {
	From string
	Port int
	Msg  *dns.Msg
}

// dnsProbe runs dnsProbeScript on h.
func dnsProbe(t *testing.T, h *testlan.Host, mode, src, dst, name string, timeout time.Duration) probeResult {
	t.Helper()
	out, err := h.Run(t, timeout+10*time.Second, "/usr/bin/python3", scriptFile(t, "dnsprobe.py", dnsProbeScript),
		mode, src, dst, name, fmt.Sprint(timeout.Seconds()))
	if err != nil {
		t.Fatalf("dns probe on %s: %v\n%s", h.Name, err, out)
	}
	var raw struct {
		ID      uint16 `json:"id"`
		Sport   int    `json:"sport"`
		Replies []struct {
			From string `json:"from"`
			Port int    `json:"port"`
			Hex  string `json:"hex"`
		} `json:"replies"`
	}
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &raw); err != nil {
		t.Fatalf("dns probe output %q: %v", out, err)
	}
	res := probeResult{ID: raw.ID, Sport: raw.Sport}
	for _, r := range raw.Replies {
		b, err := hex.DecodeString(r.Hex)
		if err != nil {
			t.Fatal(err)
		}
		m := new(dns.Msg)
		if err := m.Unpack(b); err != nil {
			t.Errorf("unparsable reply from %s: %v", r.From, err)
			continue
		}
		res.Replies = append(res.Replies, probeReply{From: r.From, Port: r.Port, Msg: m})
	}
	return res
}

// announces reports whether m is an announcement rather than an answer
// to a PTR question: it holds an SRV record among its answers.
func announces(m *dns.Msg) bool {
	return slices.ContainsFunc(m.Answer, func(rr dns.RR) bool { _, ok := rr.(*dns.SRV); return ok })
}

// answersPTR reports whether m answers name's PTR with target.
func answersPTR(m *dns.Msg, name, target string) bool {
	for _, rr := range m.Answer {
		if p, ok := rr.(*dns.PTR); ok && strings.EqualFold(p.Hdr.Name, name) && strings.EqualFold(p.Ptr, target) {
			return true
		}
	}
	return false
}
