// Package archtest holds no code, only a test that enforces the import rule
// of DESIGN.md: txt (pure) → mdns (the only user of miekg/dns and x/net) →
// domains → cmd, with cmd imported by nobody.
package archtest
