package txt

import (
	"reflect"
	"testing"
)

// FuzzDecodeBlob reaches the compact part's decoder directly; through
// DecodePayload the fuzzer would first have to produce valid DEFLATE.
func FuzzDecodeBlob(f *testing.F) {
	hello := &Value{Name: "CallRequest", Type: "CallRequest", Values: []*Value{{Name: "name", Type: "string"}}}
	for _, p := range []Payload{
		{},
		{Metadata: map[string]string{}, Endpoints: []*Endpoint{}},
		{Endpoints: []*Endpoint{nil, {Name: "Greeter.Call", Request: hello, Response: &Value{Name: "CallResponse", Type: "CallResponse"}, Metadata: map[string]string{"stream": "true"}}}},
	} {
		b, err := encodeBlob(p, map[string]string{"cert": "00ff", "": "x"})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte{2, 0, 1, 1, 3, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		p1, o1, err := decodeBlob(b)
		if err != nil {
			return
		}
		enc, err := encodeBlob(p1, o1)
		if err != nil {
			t.Fatalf("encodeBlob(decodeBlob(%q)): %v", b, err)
		}
		p2, o2, err := decodeBlob(enc)
		if err != nil {
			t.Fatalf("decodeBlob(encodeBlob(%#v)) = %q: %v", p1, enc, err)
		}
		if !reflect.DeepEqual(p1, p2) || !reflect.DeepEqual(o1, o2) {
			t.Fatalf("unstable round trip:\n%#v %q\n%#v %q", p1, o1, p2, o2)
		}
	})
}
