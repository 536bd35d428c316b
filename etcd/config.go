package etcd

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
)

// Defaults of Config.
const (
	// DefaultPrefix is go-micro's key prefix.
	DefaultPrefix = "/micro/registry/"
	// DefaultTTL is go-micro's registration TTL (server.DefaultRegisterTTL).
	DefaultTTL = 90 * time.Second
	// DefaultTimeout bounds each request, as go-micro's registry does.
	DefaultTimeout = 5 * time.Second
	// DefaultUnavailable is how long a Watch rides out a lost connection
	// before it returns ErrUnavailable.
	DefaultUnavailable = 2 * time.Second
	// defaultPort is etcd's client port, added to endpoints without one.
	defaultPort = "2379"
)

// Config configures a Registry. The zero value talks to etcd on
// 127.0.0.1:2379 in go-micro's layout, with domain and global domain
// "local" as domains.Registry has.
type Config struct {
	// Endpoints are etcd's client URLs or host:port pairs
	// ("http://10.0.0.5:2379", "10.0.0.5"; the port defaults to 2379).
	// Empty means 127.0.0.1:2379.
	Endpoints []string

	// Prefix is the key prefix (DefaultPrefix). Change it only to keep
	// registries apart: go-micro always uses the default.
	Prefix string

	// Domain is the default domain of calls given an empty one, and the
	// domain of nodes that carry none (go-micro's): "local".
	Domain string
	// GlobalDomain is the domain whose reads see every node: "local".
	GlobalDomain string

	// TTL is the lease of registrations (DefaultTTL); Register's
	// domains.WithTTL overrides it. Leases count whole seconds, at least 1.
	TTL time.Duration
	// Timeout bounds each request to etcd (DefaultTimeout).
	Timeout time.Duration
	// Unavailable is how long a Watch waits for a lost connection to come
	// back before it returns ErrUnavailable (DefaultUnavailable).
	Unavailable time.Duration

	// Username and Password authenticate to etcd; TLS, when set, secures
	// the connection.
	Username, Password string
	TLS                *tls.Config

	// Client is an etcd client to use instead of dialling Endpoints; the
	// Registry does not close it.
	Client *clientv3.Client

	// Logf, when set, receives rare diagnostics (a lease lost, a write
	// retried). Nothing is logged per key or per event.
	Logf func(format string, args ...any)
}

// endpoints normalises Config.Endpoints as go-micro does: a missing port
// is 2379.
func (c *Config) endpoints() []string {
	if len(c.Endpoints) == 0 {
		return []string{"127.0.0.1:" + defaultPort}
	}
	var out []string
	for _, e := range c.Endpoints {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		if strings.Contains(e, "://") {
			out = append(out, e)
			continue
		}
		if _, _, err := net.SplitHostPort(e); err != nil {
			e = net.JoinHostPort(strings.Trim(e, "[]"), defaultPort)
		}
		out = append(out, e)
	}
	return out
}

// dial opens the client. Reconnection backs off to at most a second, so
// that a registry that comes back is in use again within about a second
// (gRPC's default backoff grows to two minutes).
func (c *Config) dial(timeout time.Duration) (*clientv3.Client, error) {
	eps := c.endpoints()
	if len(eps) == 0 {
		return nil, fmt.Errorf("%w: no endpoint in %q", ErrInvalidConfig, c.Endpoints)
	}
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   eps,
		DialTimeout: timeout,
		Username:    c.Username,
		Password:    c.Password,
		TLS:         c.TLS,
		Logger:      zap.NewNop(), // a library logs nothing of its own
		DialOptions: []grpc.DialOption{grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: time.Second,
		})},
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return cli, nil
}
