package etcd

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/etcd/internal/etcdtest"
)

// Every sentinel of errors.go, and the domains sentinels the Registry
// returns, is a contract: each row provokes one through the public API and
// checks it with errors.Is. Rows that need no etcd run against a loopback
// port nothing listens on.
func TestErrorsAreSentinels(t *testing.T) {
	// A loopback port with nothing behind it: etcd is down.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := l.Addr().String()
	l.Close()
	greeter := func() *domains.Service {
		return &domains.Service{Name: "greeter", Nodes: []*domains.Node{{Id: "n1", Address: "10.0.0.1:8080"}}}
	}
	open := func(t *testing.T, cfg Config) *Registry {
		t.Helper()
		r, err := New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		return r
	}
	for _, tc := range []struct {
		name string
		want error
		err  func(t *testing.T) error
	}{
		{"no endpoint", ErrInvalidConfig, func(*testing.T) error {
			_, err := New(Config{Endpoints: []string{" "}})
			return err
		}},
		{"TTL under 1 s", ErrInvalidConfig, func(*testing.T) error {
			_, err := New(Config{Endpoints: []string{down}, TTL: time.Millisecond})
			return err
		}},
		{"bad Config domain", ErrInvalidConfig, func(*testing.T) error {
			_, err := New(Config{Endpoints: []string{down}, Domain: "a,b"})
			return err
		}},
		{"etcd down", ErrUnavailable, func(t *testing.T) error {
			r := open(t, Config{Endpoints: []string{down}, Timeout: 500 * time.Millisecond})
			_, err := r.ListServices(context.Background(), "")
			return err
		}},
		{"bad domain argument", domains.ErrInvalidService, func(t *testing.T) error {
			r := open(t, Config{Endpoints: []string{down}})
			return r.Register(context.Background(), "a,b", greeter())
		}},
		{"register after close", domains.ErrClosed, func(t *testing.T) error {
			r := open(t, Config{Endpoints: []string{down}})
			r.Close()
			return r.Register(context.Background(), "", greeter())
		}},
		{"nothing registered", domains.ErrNotFound, func(t *testing.T) error {
			r := newReg(t, etcdtest.Start(t), Config{})
			_, err := r.GetService(context.Background(), "", "nobody")
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.err(t); !errors.Is(err, tc.want) {
				t.Errorf("error %v, want one wrapping %v", err, tc.want)
			}
		})
	}
}
