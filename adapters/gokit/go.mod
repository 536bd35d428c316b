module github.com/mdnskit/mdnskit/adapters/gokit

go 1.26.0

// go-kit's sd.Instancer and sd.Registrar over mdnskit. A module of its own
// so that go-kit never enters mdnskit's go.mod.
require (
	github.com/go-kit/kit v0.13.0
	github.com/mdnskit/mdnskit v0.0.0
)

require github.com/go-kit/log v0.2.0

require (
	github.com/go-logfmt/logfmt v0.5.1 // indirect
	github.com/miekg/dns v1.1.73 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)

replace github.com/mdnskit/mdnskit => ../..
