package gomicro5

import (
	"errors"
	"testing"
	"testing/synctest"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
	"go-micro.dev/v5/registry"
)

// The adapter's sentinels are a contract: each row provokes one through
// go-micro's registry interface, on a simulated link in a synctest bubble,
// and checks it with errors.Is.
func TestErrorsAreSentinels(t *testing.T) {
	for _, tc := range []struct {
		name string
		want error
		run  func(r *Registry) error
	}{
		{"Config changed in use", ErrConfigInUse, func(r *Registry) error {
			if _, err := r.ListServices(); err != nil {
				return err
			}
			return r.Init(Config(domains.Config{Flavour: domains.DNSSD}))
		}},
		{"nil service", domains.ErrInvalidService, func(r *Registry) error { return r.Register(nil) }},
		{"service without nodes", domains.ErrInvalidService, func(r *Registry) error {
			return r.Register(&registry.Service{Name: "greeter"})
		}},
		{"nothing registered", registry.ErrNotFound, func(r *Registry) error {
			_, err := r.GetService("nobody")
			return err
		}},
		{"after Close", domains.ErrClosed, func(r *Registry) error {
			r.Close()
			_, err := r.ListServices()
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := mdnstest.NewLink(mdnstest.LinkConfig{})
				defer link.Close()
				r := NewRegistry(Config(domains.Config{Flavour: domains.Micro, MDNS: mdns.Config{Network: link.AddHost("h1")}}))
				defer r.Close()
				if err := tc.run(r); !errors.Is(err, tc.want) {
					t.Errorf("error %v, want one wrapping %v", err, tc.want)
				}
			})
		})
	}
}
