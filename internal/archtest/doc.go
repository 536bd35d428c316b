// Package archtest holds no code, only tests that enforce the import rule
// (docs/architecture.md): txt (pure) → mdns (its own DNS codec; the only user of x/net) →
// domains → cmd, with cmd imported by nobody; the same layering inside the
// nested etcd module; and no etcd client, gRPC or framework anywhere in the
// dependency graph of txt, mdns and domains (go list -deps) or in the root
// go.mod; and that no file of the repository refers to anything outside
// it.
package archtest
