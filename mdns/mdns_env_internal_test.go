package mdns

import (
	"testing"

	"github.com/mdnskit/mdnskit/mdns/internal/dnsmsg"
)

// The internal tests' share of the harness in mdns_env_test.go (package
// mdns_test): the same names for the same messages, for the tests that
// drive the engine's parts directly.

// response is an authoritative response answering rrs.
func response(rrs ...dnsmsg.RR) *dnsmsg.Msg {
	m := new(dnsmsg.Msg)
	m.Response, m.Authoritative = true, true
	m.Answer = rrs
	return m
}

func packed(t testing.TB, m *dnsmsg.Msg) []byte {
	t.Helper()
	b, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
