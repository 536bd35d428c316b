module github.com/mdnskit/mdnskit/internal/gomicropeer

go 1.24

// go-micro's mDNS registry, used as an interop peer by the domains LAN
// tests. A separate module so that go-micro never enters mdnskit's go.mod.
require go-micro.dev/v5 v5.3.0

require go-micro.dev/v4 v4.11.0

require (
	github.com/google/uuid v1.3.0 // indirect
	github.com/miekg/dns v1.1.43 // indirect
	golang.org/x/net v0.23.0 // indirect
	golang.org/x/sys v0.18.0 // indirect
)
