module github.com/mdnskit/mdnskit/etcd/interop

go 1.26.0

// Test-only: go-micro's own etcd registry as a peer of ours. A module of
// its own so that go-micro enters neither mdnskit's go.mod nor the etcd
// module's.

replace (
	github.com/mdnskit/mdnskit => ../../
	github.com/mdnskit/mdnskit/etcd => ../
)

require (
	github.com/go-kit/kit v0.13.0
	github.com/go-kit/log v0.2.0
	github.com/mdnskit/mdnskit v0.0.0
	github.com/mdnskit/mdnskit/etcd v0.0.0-00010101000000-000000000000
	go-micro.dev/v5 v5.30.0
	go.etcd.io/etcd/client/v3 v3.7.3
)

require github.com/go-logfmt/logfmt v0.5.1 // indirect

require (
	github.com/coreos/go-semver v0.3.1 // indirect
	github.com/coreos/go-systemd/v22 v22.7.0 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/grpc-ecosystem/grpc-gateway/v2 v2.29.0 // indirect
	github.com/mdnskit/mdnskit/adapters/gokit v0.0.0-00010101000000-000000000000
	github.com/miekg/dns v1.1.73 // indirect
	github.com/mitchellh/hashstructure v1.1.0 // indirect
	go.etcd.io/etcd/api/v3 v3.7.3 // indirect
	go.etcd.io/etcd/client/pkg/v3 v3.7.3 // indirect
	go.uber.org/multierr v1.11.0 // indirect
	go.uber.org/zap v1.27.1 // indirect
	golang.org/x/net v0.62.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/text v0.43.0 // indirect
	google.golang.org/genproto/googleapis/api v0.0.0-20260803160001-6ac0973c030d // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260803160001-6ac0973c030d // indirect
	google.golang.org/grpc v1.83.2 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

replace github.com/mdnskit/mdnskit/adapters/gokit => ../../adapters/gokit
