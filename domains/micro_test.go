package domains

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"github.com/mdnskit/mdnskit/txt"
)

// goMicroVector is one entry of testdata/go-micro-wire.json, a subset of
// go-micro's own outputs (docs/gomicro-wire.md, "Test vectors"): a
// service, the TXT strings go-micro encodes for it, and the packets
// go-micro's registry sends for it.
type goMicroVector struct {
	Name    string   `json:"name"`
	Service *Service `json:"input_service"`
	TXT     struct {
		Strings []string `json:"txt_strings"`
	} `json:"txt"`
	Wire []struct {
		Purpose string `json:"purpose"`
		Hex     string `json:"wire_hex"`
	} `json:"wire"`
}

func loadVectors(t *testing.T) map[string]*goMicroVector {
	t.Helper()
	b, err := os.ReadFile("testdata/go-micro-wire.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []*goMicroVector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	out := map[string]*goMicroVector{}
	for _, v := range f.Vectors {
		out[v.Name] = v
	}
	return out
}

func (v *goMicroVector) wire(t *testing.T, purpose string) []byte {
	t.Helper()
	for _, w := range v.Wire {
		if strings.HasPrefix(w.Purpose, purpose) {
			b, err := hex.DecodeString(w.Hex)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
	t.Fatalf("vector %s has no %q packet", v.Name, purpose)
	return nil
}

// hostMessages returns the parsed responses host sent.
func hostMessages(t *testing.T, link *mdnstest.Link, host string) []*wireMsg {
	t.Helper()
	var out []*wireMsg
	for _, p := range link.Packets() {
		if p.Host != host {
			continue
		}
		m, err := parseMsg(p.Data)
		if err != nil {
			t.Fatalf("packet %d from %s: %v", p.Seq, host, err)
		}
		if m.response {
			out = append(out, m)
		}
	}
	return out
}

// The micro flavour publishes go-micro's layout byte for byte where
// go-micro's parser cares: <node>.<svc>.micro. with the exact TXT strings
// go-micro encodes, one instance per message, no EDNS0 record, the
// <svc>._services.micro. list entry (port 9999, empty TXT), the global
// mirror with metadata domain=micro, goodbyes with the full TXT. Another
// micro registry reads it back with endpoints and metadata.
func TestMicroFlavour(t *testing.T) {
	vec := loadVectors(t)["two_endpoints"]
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, Config{Flavour: Micro})
		svc := vec.Service.clone()
		id := svc.Nodes[0].Id
		mustRegister(t, tn.regs[0], svc)
		mdnstest.Advance(5 * time.Second)
		if !reflect.DeepEqual(svc, vec.Service) {
			t.Error("Register changed the caller's service")
		}

		inst := strings.ToLower(id) + ".helloworld.micro."
		mirror := strings.ToLower(id) + ".helloworld.global."
		var sawTXT, sawList, sawMirror bool
		for _, m := range hostMessages(t, tn.link, "h1") {
			owners := map[string]bool{}
			for i, rr := range m.answers {
				if rr.typ == tOPT {
					t.Errorf("EDNS0 OPT record in a micro flavour message")
				}
				if rr.typ == tSRV || rr.typ == tTXT {
					owners[rr.name] = true
				}
				// A PTR names an instance, except the service type
				// enumeration (RFC 6763 §9), which go-micro sends too.
				if rr.typ == tPTR && !strings.HasPrefix(rr.name, "_services._dns-sd._udp.") && !strings.HasSuffix(rr.name, ".arpa.") {
					owners[rr.ptr] = true
				}
				if i == len(m.answers)-1 && rr.ttl == 0 && slices.ContainsFunc(m.answers, func(x wireRR) bool { return x.ttl != 0 }) {
					t.Errorf("last record has TTL 0 in a message that is no goodbye: go-micro would read a goodbye")
				}
				switch {
				case rr.name == inst && rr.typ == tTXT && rr.ttl > 0:
					sawTXT = true
					if !slices.Equal(strs(rr.txt), vec.TXT.Strings) {
						t.Errorf("TXT of %s:\n got %q\nwant %q (go-micro's encoding)", inst, strs(rr.txt), vec.TXT.Strings)
					}
				case rr.name == "helloworld._services.micro." && rr.typ == tSRV:
					sawList = rr.port == microListPort
				case rr.name == mirror && rr.typ == tTXT && rr.ttl > 0:
					sawMirror = true
					mm, err := txt.DecodeMicro(rr.txt)
					if err != nil || mm.Service != "helloworld" || mm.Metadata["domain"] != "micro" || !equalEndpoints(mm.Endpoints, vec.Service.Endpoints) {
						t.Errorf("mirror TXT decodes to %+v, %v; want helloworld with domain=micro", mm, err)
					}
				}
			}
			if len(owners) > 1 {
				t.Errorf("one message carries several instances %v: go-micro reads only the last", owners)
			}
		}
		if !sawTXT || !sawList || !sawMirror {
			t.Fatalf("saw node TXT %v, list entry SRV port 9999 %v, mirror %v; want all", sawTXT, sawList, sawMirror)
		}

		reader := tn.regs[1]
		svcs := mustGet(t, reader, "helloworld", "")
		if len(svcs) != 1 || len(svcs[0].Nodes) != 1 {
			t.Fatalf("GetService: %q", nodeSummary(svcs))
		}
		got, want := svcs[0], vec.Service
		if got.Version != want.Version || !equalEndpoints(got.Endpoints, want.Endpoints) ||
			!reflect.DeepEqual(got.Nodes[0].Metadata, want.Nodes[0].Metadata) || got.Nodes[0].Id != id ||
			got.Nodes[0].Address != "10.0.0.1:53011" || got.Nodes[0].Domain != "micro" {
			t.Errorf("GetService = %+v, node %+v", got, got.Nodes[0])
		}
		g := mustGet(t, reader, "helloworld", "global")
		if n := g[0].Nodes[0]; n.Domain != "micro" || hasKey(n.Metadata, MetaDomain) {
			t.Errorf("global read: node %+v, want Domain micro and no domain metadata", n)
		}
		list, err := reader.ListServices(context.Background(), "")
		if err != nil || len(list) != 1 || list[0].Name != "helloworld" {
			t.Errorf("ListServices = %v, %v", list, err)
		}

		// Goodbye: SRV, address and the full TXT with TTL 0, as go-micro's
		// watchers need to see a delete.
		mark := len(tn.link.Packets())
		if err := tn.regs[0].Deregister(context.Background(), "", vec.Service); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(2 * time.Second)
		bye := 0
		for _, p := range tn.link.Packets()[mark:] {
			m, _ := parseMsg(p.Data)
			if p.Host != "h1" || m == nil || len(m.answers) == 0 || m.answers[len(m.answers)-1].ttl != 0 {
				continue
			}
			for _, rr := range m.answers {
				if rr.name == inst && rr.typ == tTXT && slices.Equal(strs(rr.txt), vec.TXT.Strings) {
					bye++
				}
			}
		}
		if bye < 1 {
			t.Error("no goodbye carrying the full TXT record")
		}
		if _, err := reader.GetService(context.Background(), "", "helloworld"); err == nil {
			t.Error("GetService still finds the node after its goodbye")
		}
	})
}

// A micro registry reads go-micro's own packets: the answer a go-micro
// node sends to GetService (no cache-flush bits, host name outside .local)
// gives a create with its endpoints and metadata, go-micro's goodbye a
// delete.
func TestMicroReadsGoMicroPackets(t *testing.T) {
	vecs := loadVectors(t)
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 1, Config{Flavour: Micro})
		rec := watch(t, tn.regs[0], "", "helloworld")
		mdnstest.Advance(time.Second)
		v := vecs["two_endpoints"]
		src := netip.MustParseAddrPort("10.0.0.5:5353")
		grp := netip.AddrPortFrom(mdns.GroupIPv4(), mdns.Port)
		if err := tn.link.Inject(src, grp, v.wire(t, "node responder answer")); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(time.Second)
		res := rec.results()
		if got := rec.take(); len(got) != 1 || got[0] != "create "+v.Service.Nodes[0].Id {
			t.Fatalf("after go-micro's answer: %q", got)
		}
		s, n := res[0].Service, res[0].Service.Nodes[0]
		if s.Version != "1.0.0" || !equalEndpoints(s.Endpoints, v.Service.Endpoints) || n.Address != "10.0.0.5:53011" ||
			!reflect.DeepEqual(n.Metadata, v.Service.Nodes[0].Metadata) {
			t.Errorf("create: %+v node %+v", s, n)
		}
		if err := tn.link.Inject(src, grp, v.wire(t, "goodbye")); err != nil {
			t.Fatal(err)
		}
		mdnstest.Advance(2 * time.Second)
		if got := rec.take(); len(got) != 1 || got[0] != "delete "+v.Service.Nodes[0].Id {
			t.Errorf("after go-micro's goodbye: %q", got)
		}
	})
}

func strs(b [][]byte) []string {
	out := make([]string, len(b))
	for i, s := range b {
		out[i] = string(s)
	}
	return out
}

// go-micro's Register is synchronous: once it returns, ListServices lists
// the service. Ours too: the "<svc>._services.micro." entry, which needs
// probing like any unique name, is announced before Register returns.
func TestMicroListEntryBeforeRegisterReturns(t *testing.T) {
	vec := loadVectors(t)["two_endpoints"]
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 1, Config{Flavour: Micro})
		mustRegister(t, tn.regs[0], vec.Service.clone())
		listed := false
		for _, m := range hostMessages(t, tn.link, "h1") {
			for _, rr := range m.answers {
				if rr.name == "helloworld._services.micro." && rr.typ == tSRV && rr.ttl > 0 {
					listed = true
				}
			}
		}
		if !listed {
			t.Fatal("Register returned before the service's list entry was announced")
		}
	})
}
