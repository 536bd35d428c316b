// Package mdns speaks multicast DNS (RFC 6762) and DNS-SD (RFC 6763) on a
// pair of sockets: a responder that probes, announces, answers, defends and
// says goodbye for the services it publishes, and a querier that browses
// with a bounded cache and add, update and remove events.
//
// It is the only package of mdnskit that touches the DNS wire format (its
// own codec, mdns/internal/dnsmsg) and the socket layer (golang.org/x/net). Everything
// it reads from the network is treated as hostile: packets from off the
// link, oversized, malformed or with unexpected header bits are dropped and
// counted in [Stats], never logged one by one.
//
// # Concurrency
//
// A [Conn] runs all protocol work on one goroutine. Its methods may be
// called from any goroutine; blocking calls take a context. [Conn.Close]
// sends goodbyes and returns only when every goroutine the Conn started has
// exited.
//
// # Testing
//
// [Config.Network] injects the network. Package mdnstest provides an
// in-memory multicast link whose hosts implement [Network]; run tests inside
// testing/synctest bubbles and protocol timing becomes exact.
package mdns
