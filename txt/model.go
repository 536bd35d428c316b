package txt

// These types are go-micro's registry model (registry/registry.go), so that
// the micro flavour marshals byte for byte like go-micro: the field order is
// go-micro's current one (≥ v4.10.2), which decides the JSON key order, the
// JSON tags are go-micro's, and nothing is omitempty. nil and empty are
// different values throughout (JSON null versus {} or []), and both payload
// formats keep the difference.

// A Value describes the shape of a request or response: a name, a type name
// and, for structured types, its fields.
type Value struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Values []*Value `json:"values"`
}

// An Endpoint is one callable method of a service, conventionally named
// "Handler.Method". Request or Response is nil when there is none (go-micro
// subscribers have no response).
type Endpoint struct {
	Request  *Value            `json:"request"`
	Response *Value            `json:"response"`
	Metadata map[string]string `json:"metadata"`
	Name     string            `json:"name"`
}

// A Payload is what a registration says about one service instance beyond
// its name and address: the service version, the instance's metadata
// (go-micro's node metadata) and the service's endpoints.
type Payload struct {
	Version   string
	Metadata  map[string]string
	Endpoints []*Endpoint
}

// MaxPayloadSize is the largest TXT RDATA that [EncodePayload] and
// [EncodeMicro] produce: with the rest of a response it must stay within
// the 9000-byte mDNS message limit (RFC 6762 §17).
const MaxPayloadSize = 8900

// MaxInflatedSize bounds how far a compressed payload may inflate while
// decoding, so that a small hostile record (a "zip bomb") cannot make the
// decoder allocate without limit. The encoders refuse, with [ErrTooLarge],
// a payload whose uncompressed form is larger, so that everything they
// produce decodes.
const MaxInflatedSize = 64 << 10

// MaxValueDepth is the deepest [Value] tree the DNS-SD flavour encodes and
// decodes (go-micro's extractor stops at depth 3).
const MaxValueDepth = 32
