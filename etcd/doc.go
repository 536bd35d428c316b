// Package etcd is a service registry on etcd with the method set of
// domains.Registry (Register, Deregister, GetService, ListServices,
// Watch, Close) and its types, in the key layout of go-micro's etcd
// registry (the v4 plugin v1.2.0 through go-micro.dev/v5 v5.30.0; v6 runs
// the same code), so that go-micro services on etcd and this registry see
// each other both ways. It is the step past one link: several links,
// sites or fleets share one etcd.
//
// # Layout
//
// A node of a service is one key, prefix + service + "/" + node id
// ("/micro/registry/greeter/greeter-3f2a…", every "/" in a name replaced
// by "-" and the path joined as go-micro does), whose value is the JSON
// of the service holding that one node — go-micro's registry.Service,
// byte for byte. The key lives under a lease of the registration TTL
// (90 s by default), kept alive while the node is registered, so the
// node goes with its owner. The domain a node was registered in travels
// in the node's "domain" metadata (domains.MetaDomain); nodes without it
// (go-micro's own) belong to the default domain. Reads of the global
// domain see every node; reads of another domain see the nodes
// registered in it.
//
// # Where go-micro's registry is wrong, this one is not
//
//   - A node is written again when anything of its service changed
//     (version, endpoints, service metadata), not only the node: the
//     value itself is compared. An unchanged re-registration writes
//     nothing.
//   - One lease per TTL is shared by the registry's nodes and kept alive
//     on one stream, instead of a lease per node.
//   - Watch reads the prefix, then watches from the revision just read,
//     so no change between the two is lost, and delivers every event of a
//     watch response (go-micro's watcher returns the first and drops the
//     rest). A watch whose revision was compacted reads again and reports
//     the difference.
//   - A lost lease or keepalive stream (the lease expired during a
//     partition, was revoked) grants a new lease and writes every node
//     again.
//   - A TTL of zero means the default, never a nil dereference.
//
// Everything read from etcd is input from other writers: values larger
// than MaxValueSize, malformed JSON and keys under the prefix that are not
// in the layout (go-micro v3's domain level, foreign data) are skipped and
// counted in Stats, never an error and never a crash.
package etcd
