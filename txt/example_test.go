package txt_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/mdnskit/mdnskit/txt"
)

func ExampleEncode() {
	strs, err := txt.Encode(txt.Attrs{
		{Key: "path", Value: []byte("/api")},
		{Key: "anon", Value: []byte{}}, // key= : present, empty value
		{Key: "passreq"},               // nil value: boolean
	})
	if err != nil {
		panic(err)
	}
	rdata, _ := txt.JoinRData(strs)
	fmt.Printf("%q\n%q\n", strs, rdata)

	_, err = txt.Encode(txt.Attrs{{Key: "Path"}, {Key: "PATH"}})
	fmt.Println(err, errors.Is(err, txt.ErrDuplicateKey))
	// Output:
	// ["path=/api" "anon=" "passreq"]
	// "\tpath=/api\x05anon=\apassreq"
	// txt: attribute 1 (key "PATH"): duplicate key: same as attribute 0 "Path" ignoring case (RFC 6763 §6.4) true
}

func ExampleDecode() {
	// A record with an empty key and a key repeated in another case.
	rdata := []byte("\x06Path=/\x04flag\x08=skipped\x0bpath=second")
	strs, err := txt.SplitRData(rdata)
	if err != nil {
		panic(err)
	}
	attrs := txt.Decode(strs)
	fmt.Println(attrs)
	v, ok := attrs.Get("path")
	fmt.Printf("%q %v\n", v, ok)
	// Output:
	// [Path=/ flag]
	// "/" true
}

func ExampleAttrs_Bool() {
	attrs := txt.Decode([][]byte{[]byte("passreq"), []byte("tls=yes"), []byte("note=")})
	for _, k := range []string{"passreq", "tls", "note", "absent"} {
		v, ok := attrs.Bool(k)
		fmt.Println(k, v, ok)
	}
	// Output:
	// passreq true true
	// tls true true
	// note false false
	// absent false true
}

func ExampleSplitRData() {
	_, err := txt.SplitRData([]byte("\x03abc\x09short"))
	fmt.Println(err)
	strs, _ := txt.SplitRData(nil) // RFC 6763 §6.1: empty RDATA means one empty string
	fmt.Printf("%q\n", strs)
	// Output:
	// txt: rdata: byte 4: string 1 has length 9 but only 5 bytes remain
	// [""]
}

func ExampleEncodePayload() {
	p := txt.Payload{
		Version:  "1.0.0",
		Metadata: map[string]string{"server": "grpc", "region": "eu-west-1"},
		Endpoints: []*txt.Endpoint{{
			Name:     "Greeter.Hello",
			Request:  &txt.Value{Name: "HelloRequest", Type: "HelloRequest", Values: []*txt.Value{{Name: "name", Type: "string"}}},
			Response: &txt.Value{Name: "HelloResponse", Type: "HelloResponse", Values: []*txt.Value{{Name: "msg", Type: "string"}}},
			Metadata: map[string]string{},
		}},
	}
	strs, err := txt.EncodePayload(p)
	if err != nil {
		panic(err)
	}
	for _, s := range strs[:4] {
		fmt.Printf("%s\n", s)
	}
	fmt.Println(string(strs[4][:4]), "...")

	back, err := txt.DecodePayload(strs)
	fmt.Println(back.Version, back.Metadata, back.Endpoints[0].Name, back.Endpoints[0].Request.Values[0].Name, err)
	// Output:
	// txtvers=1
	// version=1.0.0
	// region=eu-west-1
	// server=grpc
	// ep0= ...
	// 1.0.0 map[region:eu-west-1 server:grpc] Greeter.Hello name <nil>
}

func ExampleDecodePayload() {
	// An ordinary DNS-SD record is not a registry payload.
	_, err := txt.DecodePayload([][]byte{[]byte("path=/")})
	fmt.Println(errors.Is(err, txt.ErrNotPayload))
	p, err := txt.DecodePayload([][]byte{[]byte("txtvers=1"), []byte("version=2"), []byte("zone=a")})
	fmt.Printf("%+v %v\n", p, err)
	// Output:
	// true
	// {Version:2 Metadata:map[zone:a] Endpoints:[]} <nil>
}

func ExampleEncodeMicro() {
	// go-micro's "greeter" with no endpoints and nil node metadata.
	strs, err := txt.EncodeMicro(txt.Micro{Service: "greeter", Payload: txt.Payload{Version: "latest"}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d string(s)\n%s\n", len(strs), strs[0])
	// Output:
	// 1 string(s)
	// 789c24cb310a85301004d0bb4c9d13a4ffe5af04fbc50c12081bd91d6dc4bb5b788077e34f593319aa9f63142c8cab6f44c51ea418285819d9a7a362989842c1cfdb31bb2b3ff7bc010000ffffa27d197a
}

func ExampleDecodeMicro() {
	strs := [][]byte{[]byte("789c24cb310a85301004d0bb4c9d13a4ffe5af04fbc50c12081bd91d6dc4bb5b788077e34f593319aa9f63142c8cab6f44c51ea418285819d9a7a362989842c1cfdb31bb2b3ff7bc010000ffffa27d197a")}
	m, err := txt.DecodeMicro(strs)
	fmt.Printf("%q %q %v %v %v\n", m.Service, m.Version, m.Metadata == nil, m.Endpoints == nil, err)

	_, err = txt.DecodeMicro([][]byte{[]byte("789c"), []byte("zz")})
	fmt.Println(err)
	// Output:
	// "greeter" "latest" true true <nil>
	// txt: micro payload string 1: byte 0: 'z' is not a hex digit
}

// A mirrored node can say where it comes from in a top-level key that
// go-micro ignores.
func ExampleMicro_extra() {
	m := txt.Micro{
		Service: "greeter",
		Payload: txt.Payload{Version: "latest", Metadata: map[string]string{"domain": "dev"}},
		Extra:   map[string]json.RawMessage{"Domain": json.RawMessage(`"dev"`)},
	}
	strs, err := txt.EncodeMicro(m)
	if err != nil {
		panic(err)
	}
	back, err := txt.DecodeMicro(strs)
	fmt.Println(string(back.Extra["Domain"]), back.Metadata["domain"], err)
	// Output:
	// "dev" dev <nil>
}
