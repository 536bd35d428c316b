package txt_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/mdnskit/mdnskit/txt"
)

// goMicroTXT is one TXT encoding of a vector: its strings and RDATA.
type goMicroTXT struct {
	Strings  []string `json:"txt_strings"`
	RDataHex string   `json:"txt_rdata_hex"`
}

func (g goMicroTXT) strs() [][]byte {
	out := make([][]byte, len(g.Strings))
	for i, s := range g.Strings {
		out[i] = []byte(s)
	}
	return out
}

func (g goMicroTXT) rdata(t testing.TB) []byte {
	b, err := hex.DecodeString(g.RDataHex)
	if err != nil {
		t.Fatalf("bad rdata hex in testdata: %v", err)
	}
	return b
}

// goMicroVector is one service of testdata/go-micro-vectors.json, a subset
// of go-micro's reference vectors (see that file's "generator").
type goMicroVector struct {
	Name    string `json:"name"`
	Service struct {
		Name      string          `json:"name"`
		Version   string          `json:"version"`
		Endpoints []*txt.Endpoint `json:"endpoints"`
		Nodes     []struct {
			Metadata map[string]string `json:"metadata"`
		} `json:"nodes"`
	} `json:"input_service"`
	NodeIndex  int        `json:"node_index"`
	JSON       string     `json:"mdnstxt_json"`
	TXT        goMicroTXT `json:"txt"`
	LegacyJSON string     `json:"legacy_mdnstxt_json"`
	LegacyTXT  goMicroTXT `json:"legacy_txt"`
	MirrorJSON string     `json:"global_mirror_legacy_mdnstxt_json"`
	MirrorTXT  goMicroTXT `json:"global_mirror_legacy_txt"`
}

// micro is what go-micro puts in the node's TXT record.
func (v goMicroVector) micro() txt.Micro {
	return txt.Micro{Service: v.Service.Name, Payload: v.payload()}
}

// payload is the same registration as a Payload, for the DNS-SD flavour.
func (v goMicroVector) payload() txt.Payload {
	return txt.Payload{
		Version:   v.Service.Version,
		Metadata:  v.Service.Nodes[v.NodeIndex].Metadata,
		Endpoints: v.Service.Endpoints,
	}
}

func loadVectors(t testing.TB) []goMicroVector {
	t.Helper()
	b, err := os.ReadFile("testdata/go-micro-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []goMicroVector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) != 3 {
		t.Fatalf("want 3 vectors, got %d", len(f.Vectors))
	}
	return f.Vectors
}
