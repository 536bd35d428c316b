// Package domains is a service registry over multicast DNS: go-micro's
// registry model (services with versions, endpoints and nodes) published
// and browsed per DNS domain on the local link, with a global domain that
// mirrors every other one.
//
// # Model
//
// A [Registry] registers the nodes of a [Service] in a domain ("local" by
// default) and reads services back with [Registry.GetService],
// [Registry.ListServices] and [Registry.Watch]. Reads aggregate what every
// host on the link publishes: one Service per (name, version) with all its
// nodes, IPv4 and IPv6 answers for a node merged into one address.
//
// Every method that works in a domain takes it as its first argument
// after the context, "" meaning the registry's default:
// Register(ctx, domain, svc), Deregister(ctx, domain, svc),
// GetService(ctx, domain, name), ListServices(ctx, domain),
// Watch(ctx, domain, service, fn), Publish(ctx, domain, s); so do
// [Merged]'s and [Source]'s.
//
// Each domain read starts continuous browses (RFC 6762 §5.2), kept until
// Close, so the registry stays current: a node's new metadata, endpoints
// or address is an update in place, a goodbye (RFC 6762 §10.1), TTL expiry
// or a node that stopped answering (§10.5) removes it. The first read of a
// service (or of a domain, for ListServices) waits for the browse to
// settle: at least 0.5 s (1.25 s while nothing at all has answered: a
// record multicast just before may be repeated only a second later, RFC
// 6762 §6), then until no answer has come for 0.3 s, at most 1.5 s. Later
// reads answer at once from the cache.
//
// # Domains and the global mirror
//
// A registration in domain D other than the global domain is also
// published in the global domain, with the origin in the node's
// "domain" metadata ([MetaDomain]): a TXT attribute domain=D in the DNS-SD
// flavour, node metadata as go-micro v3 did in the Micro flavour. Reads of
// the global domain return every service of every domain, each node's
// origin in [Node.Domain] (nodes registered directly in the global domain
// have Domain = the global domain). Deregistering withdraws both.
//
// A Registry publishes one global instance per (service, node id),
// however many domains it registers the node in, so mirroring never
// conflicts with itself: a node registered in dev and prod is one global
// instance whose domain attribute lists both ("dev,prod", in registration
// order, also what Node.Domain reads) and whose TXT record is that of the
// latest registration. Withdrawing one origin updates it; withdrawing the
// last removes it. Different hosts must use different node ids
// ([NewNodeID]): node names are never renamed "id (2)", a node id held by
// another host fails Register with mdns.ErrNameConflict.
//
// # Wire flavours
//
// [DNSSD] (the default) publishes node N of service S as the DNS-SD
// instance N._S._tcp.<domain> (RFC 6763 §4), the port taken from the node
// address, and a TXT record made by txt.EncodePayload: txtvers, version,
// node metadata as readable key=value attributes, endpoints compressed.
// Avahi, Bonjour and python-zeroconf show every node. The service type
// must be an RFC 6763 §7.2 service name: at most 15 lower-case letters,
// digits and hyphens. A name that is not one (longer, dotted as in
// "go.micro.srv.greeter", capitalised) is published under a derived type
// (lower-cased, other characters turned to hyphens, cut to 10 characters
// plus a 4-digit hash of the full name) with the full name in a
// service=<name> attribute ([MetaService]); reads return the full name.
//
// [Micro] is go-micro's layout, so that go-micro's mDNS registry (v2 to
// v6) and this one see each other both ways: instance <node>.<svc>.<domain>.
// (domain "micro", global domain "global"), a <svc>._services.<domain>.
// list entry (port 9999, empty TXT), and go-micro's TXT record, the hex of
// zlib-compressed JSON (txt.EncodeMicro, byte for byte go-micro's). Every
// message holds one instance and no EDNS0 record (mdns.Service's
// OwnMessages), as go-micro's parser reads only the last instance of a
// message and takes the last record's TTL; goodbyes carry the full TXT
// record, which go-micro's watchers need to see a delete. Service names
// are the service type itself (dotted names become several labels) and
// node ids must not need escaping (see [ValidateNodeID]). The list entry
// is one name that every host with a node of the service would claim; one
// host holds it and the others stand by and take over when it leaves.
//
// Service.Metadata is not carried on the wire in either flavour (go-micro
// does not carry it either); reads return nil.
//
// Addresses: only the port of Node.Address is used on registration; the
// addresses published are the host's own on each interface (RFC 6762
// §6.2), which is what a client on that link can reach.
//
// # Past one link: merged views
//
// A [Merged] reads several registries — [Source]s: a Registry per link,
// the etcd registry of module github.com/mdnskit/mdnskit/etcd — as one,
// with the rules of Istio's aggregate registry: each service (domain,
// name, version) once, each node once with the sources it came from and
// its address in each, an authoritative source (etcd) winning over mDNS
// for the same node id and otherwise the first seen, disagreements
// reported ([MergedNode].Conflicts), a failing source's nodes kept and
// marked stale, and a first read that waits for each source at most a
// bounded time. It only reads: nothing it sees is published anywhere.
package domains
