package etcd

import (
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// goMicroValues are keys and values as go-micro.dev/v5 v5.30.0's etcd
// registry wrote them to a real etcd (captured by the interop module:
// go test -update -run TestSameBytesAsGoMicro ./interop/).
func goMicroValues(t testing.TB) []struct{ Key, Value string } {
	t.Helper()
	b, err := os.ReadFile("testdata/go-micro-values.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []struct{ Key, Value string }
	if err := json.Unmarshal(b, &out); err != nil || len(out) == 0 {
		t.Fatalf("testdata/go-micro-values.json: %v", err)
	}
	return out
}

func testRegistry() *Registry {
	return &Registry{prefix: DefaultPrefix, domain: "local", global: "local"}
}

// go-micro's own values decode, and encode back to the same bytes.
func TestGoMicroValues(t *testing.T) {
	r := testRegistry()
	for _, kv := range goMicroValues(t) {
		d, why := r.decode(kv.Key, []byte(kv.Value))
		if why != readOK {
			t.Errorf("%s: skipped (%d)", kv.Key, why)
			continue
		}
		if r.nodeKey(d.svc.Name, d.svc.Nodes[0].Id) != kv.Key {
			t.Errorf("%s: our key for it is %s", kv.Key, r.nodeKey(d.svc.Name, d.svc.Nodes[0].Id))
		}
		b, err := encode(d.svc, d.svc.Nodes[0], d.origins)
		if err != nil || string(b) != kv.Value {
			t.Errorf("%s: encoded again\n got %s\nwant %s (%v)", kv.Key, b, kv.Value, err)
		}
	}
}

// Values from etcd are other writers' input: decode never panics, and a
// value it accepts encodes to one it reads back the same.
func FuzzDecode(f *testing.F) {
	for _, kv := range goMicroValues(f) {
		f.Add(kv.Key, []byte(kv.Value))
	}
	f.Add("/micro/registry/greeter/n1", []byte(`{"name":"greeter","nodes":[{"id":"n1","metadata":{"domain":",,dev, PROD.,"}}]}`))
	f.Add("/micro/registry/greeter/n1", []byte(`{"name":"greeter","nodes":[null]}`))
	f.Add("/micro/registry/dev/greeter/n1", []byte(`{}`))
	f.Add("/micro/registry/../n1", []byte(`[]`))
	r := testRegistry()
	f.Fuzz(func(t *testing.T, key string, value []byte) {
		d, why := r.decode(key, value)
		if why != readOK {
			return
		}
		b, err := encode(d.svc, d.svc.Nodes[0], d.origins)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		again, why := r.decode(key, b)
		if why != readOK || !reflect.DeepEqual(again, d) {
			t.Fatalf("round trip:\n %+v\n %+v (%d)", again.svc, d.svc, why)
		}
	})
}
