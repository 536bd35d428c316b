// Package interop tests the etcd registry of mdnskit against go-micro's
// own (go-micro.dev/v5 v5.30.0 registry/etcd) on a real etcd, both ways,
// and runs mdnskit's go-kit adapter (adapters/gokit) over it. It holds
// only tests; it is a module of its own so that go-micro's and go-kit's
// dependencies stay out of every other go.mod.
package interop
