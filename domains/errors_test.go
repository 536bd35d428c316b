package domains_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Every sentinel of errors.go is a contract: each row provokes one through
// the public API, with a Registry on a simulated link (mdnstest) in a
// synctest bubble, and checks it with errors.Is.
func TestErrorsAreSentinels(t *testing.T) {
	greeter := func() *domains.Service {
		return &domains.Service{Name: "greeter", Version: "1", Nodes: []*domains.Node{{Id: "g1", Address: ":8080"}}}
	}
	for _, tc := range []struct {
		name string
		want error
		run  func(link *mdnstest.Link, r *domains.Registry) error
	}{
		{"service without name", domains.ErrInvalidService, func(_ *mdnstest.Link, r *domains.Registry) error {
			return r.Register(context.Background(), "", &domains.Service{Nodes: greeter().Nodes})
		}},
		{"node without port", domains.ErrInvalidService, func(_ *mdnstest.Link, r *domains.Registry) error {
			s := greeter()
			s.Nodes[0].Address = "10.0.0.1"
			return r.Register(context.Background(), "", s)
		}},
		{"TTL under 1 s", domains.ErrInvalidService, func(_ *mdnstest.Link, r *domains.Registry) error {
			return r.Register(context.Background(), "", greeter(), domains.WithTTL(time.Millisecond))
		}},
		{"bad domain argument", domains.ErrInvalidService, func(_ *mdnstest.Link, r *domains.Registry) error {
			_, err := r.ListServices(context.Background(), "a..b")
			return err
		}},
		{"Publish's domain and the service's disagree", domains.ErrInvalidService, func(_ *mdnstest.Link, r *domains.Registry) error {
			_, err := r.Publish(context.Background(), "dev", mdns.Service{Instance: "Web", Type: "_http._tcp", Domain: "prod", Port: 80})
			return err
		}},
		{"unknown flavour", domains.ErrInvalidConfig, func(link *mdnstest.Link, _ *domains.Registry) error {
			_, err := domains.New(domains.Config{Flavour: 7, MDNS: mdns.Config{Network: link.AddHost("h2")}})
			return err
		}},
		{"bad Config domain", domains.ErrInvalidConfig, func(link *mdnstest.Link, _ *domains.Registry) error {
			_, err := domains.New(domains.Config{Domain: "a b", MDNS: mdns.Config{Network: link.AddHost("h2")}})
			return err
		}},
		{"merged source without name", domains.ErrInvalidConfig, func(_ *mdnstest.Link, r *domains.Registry) error {
			_, err := domains.NewMerged(domains.MergedConfig{Sources: []domains.MergedSource{{Source: r}}})
			return err
		}},
		{"nothing registered", domains.ErrNotFound, func(_ *mdnstest.Link, r *domains.Registry) error {
			_, err := r.GetService(context.Background(), "", "nobody")
			return err
		}},
		{"too many types browsed", domains.ErrTooManyTypes, func(_ *mdnstest.Link, r *domains.Registry) error {
			// Each read starts a browse of its type, kept until Close; a
			// cancelled context returns at once.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			for i := 0; ; i++ {
				_, err := r.GetService(ctx, "", fmt.Sprintf("s%d", i))
				if !errors.Is(err, context.Canceled) || i > 1000 {
					return err
				}
			}
		}},
		{"plain DNS-SD instance", domains.ErrNotNode, func(*mdnstest.Link, *domains.Registry) error {
			_, err := domains.DecodeEntry(mdns.ServiceEntry{
				Instance: "Printer", Type: "_ipp._tcp", Domain: "local", Port: 631,
				Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.9")},
				Text:  [][]byte{[]byte("txtvers=1"), []byte("rp=ipp/print")},
			}, "local")
			return err
		}},
		{"watch callback far behind", domains.ErrWatchOverflow, func(_ *mdnstest.Link, r *domains.Registry) error {
			m, err := domains.NewMerged(domains.MergedConfig{Sources: []domains.MergedSource{{Name: "flood", Source: flood{}}}})
			if err != nil {
				return err
			}
			defer m.Close()
			first := true
			return m.Watch(context.Background(), "", "", func(domains.Result) error {
				if first { // fall behind while the source floods the view
					first = false
					time.Sleep(time.Minute)
				}
				return nil
			})
		}},
		{"register after close", domains.ErrClosed, func(_ *mdnstest.Link, r *domains.Registry) error {
			r.Close()
			return r.Register(context.Background(), "", greeter())
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := mdnstest.NewLink(mdnstest.LinkConfig{})
				defer link.Close()
				r, err := domains.New(domains.Config{MDNS: mdns.Config{Network: link.AddHost("h1")}})
				if err != nil {
					t.Fatal(err)
				}
				defer r.Close()
				if err := tc.run(link, r); !errors.Is(err, tc.want) {
					t.Errorf("error %v, want one wrapping %v", err, tc.want)
				}
			})
		})
	}
}

// flood is a Source whose Watch reports far more nodes than a Watch
// callback may fall behind by.
type flood struct{}

func (flood) GetService(context.Context, string, string) ([]*domains.Service, error) {
	return nil, domains.ErrNotFound
}

func (flood) ListServices(context.Context, string) ([]*domains.Service, error) { return nil, nil }

func (flood) Watch(ctx context.Context, _, _ string, fn func(domains.Result) error) error {
	for i := 0; i < 10000; i++ {
		n := &domains.Node{Id: fmt.Sprintf("n%d", i), Address: "10.0.0.1:1", Domain: "local"}
		if err := fn(domains.Result{Action: domains.ActionCreate, Service: &domains.Service{Name: "s", Version: "1", Nodes: []*domains.Node{n}}}); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return ctx.Err()
}
