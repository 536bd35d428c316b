module github.com/mdnskit/mdnskit/internal/gomicropeer

go 1.24

// go-micro's mDNS registry, used as an interop peer by the domains LAN
// tests. A separate module so that go-micro never enters mdnskit's go.mod.
require go-micro.dev/v5 v5.30.0

require go-micro.dev/v4 v4.11.0

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/miekg/dns v1.1.50 // indirect
	golang.org/x/mod v0.24.0 // indirect
	golang.org/x/net v0.38.0 // indirect
	golang.org/x/sync v0.13.0 // indirect
	golang.org/x/sys v0.32.0 // indirect
	golang.org/x/tools v0.31.0 // indirect
)
