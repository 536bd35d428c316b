// Package gomicro5 is a go-micro v5 registry (go-micro.dev/v5/registry's
// Registry interface) over mdnskit's multicast DNS registry, package
// domains. Changing one line moves a go-micro service onto it:
//
//	service := micro.New("greeter", micro.Registry(gomicro5.NewRegistry()))
//
// By default it speaks go-micro's own mDNS layout (domains.Micro: domain
// "micro", go-micro's TXT encoding, one instance per message), so services
// on it and services still on go-micro's stock mDNS registry find and call
// each other both ways. Unlike the stock registry it probes its names,
// answers as RFC 6762 requires, keeps a continuously refreshed cache
// (later reads answer at once), and reports through Watch what go-micro's
// watcher never does: an "update" when a node's metadata, endpoints or
// address change, and a "delete" when a node says goodbye, stops answering
// or crashes — at the latest when its records expire, one registration TTL
// after its last answer.
//
// # Options
//
// go-micro's options keep their meaning:
//
//   - registry.Timeout bounds every call (default 10 s). The first read of a
//     service in a domain waits for the link to answer (0.5–1.5 s, see
//     domains.Registry.GetService); later reads answer from the cache.
//   - registry.RegisterTTL is the TTL of the node's records (at least 1 s;
//     go-micro servers pass their RegisterTTL, 90 s by default). A crashed
//     node is deleted from every reader within it.
//   - The domain comes from the registry's Context under go-micro's own key
//     "mdns.domain" (Domain sets it), or per call from the call's Context
//     (InDomain). Registrations in any domain but the global one ("global")
//     are mirrored there, as go-micro v3 did; nodes read from the global
//     domain carry their origin in Metadata["domain"].
//   - registry.Logger receives the rare diagnostics of package domains.
//   - registry.Addrs, Secure and TLSConfig do not apply to multicast DNS
//     and are ignored.
//
// Config replaces the whole domains.Config (wire flavour, interfaces,
// record TTL, ...) before first use.
//
// The registry opens its mDNS sockets on first use, so NewRegistry cannot
// fail; an error opening them is returned by each call until one succeeds.
// Close withdraws every registration with goodbyes, stops every watcher and
// waits for its goroutines.
//
// Node ids: go-micro names nodes "<service name>-<uuid>". An id the wire
// flavour cannot carry — the dots of "go.micro.srv.greeter-<uuid>" in the
// Micro flavour, where a node id is one DNS label, or more than the 63
// bytes of a label (RFC 1035 §2.3.4) — is published with the offending
// characters replaced by '-' and, if still too long, its middle cut, so
// that the uuid at its end stays. Deregister maps ids the same way.
package gomicro5
