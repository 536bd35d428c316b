package mdns_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// Every sentinel of errors.go is a contract: each row provokes one through
// the public API, on a simulated link (mdnstest) in a synctest bubble, and
// checks it with errors.Is. ErrSocketOption needs a platform that lacks a
// socket option and is provoked, with a stubbed setsockopt, by
// sysnet_sockopts_test.go.
func TestErrorsAreSentinels(t *testing.T) {
	web := mdns.Service{Instance: "Web", Type: "_http._tcp", Port: 8080}
	with := func(change func(*mdns.Service)) mdns.Service {
		s := web
		change(&s)
		return s
	}
	// A registration of s by h1 on a fresh link.
	register := func(s mdns.Service) func(*mdnstest.Link, *mdns.Conn) error {
		return func(_ *mdnstest.Link, c *mdns.Conn) error {
			_, err := c.Register(context.Background(), s)
			return err
		}
	}
	for _, tc := range []struct {
		name string
		want error
		run  func(link *mdnstest.Link, c *mdns.Conn) error
	}{
		{"empty instance", mdns.ErrInvalidName, register(with(func(s *mdns.Service) { s.Instance = "" }))},
		{"bad service type", mdns.ErrInvalidName, register(with(func(s *mdns.Service) { s.Type = "bad..type" }))},
		{"bad interface pattern", mdns.ErrInvalidName, func(*mdnstest.Link, *mdns.Conn) error {
			return mdns.ValidateInterfacePattern("en[")
		}},
		{"port 0", mdns.ErrInvalidPort, register(with(func(s *mdns.Service) { s.Port = 0 }))},
		{"TXT string over 255 bytes", mdns.ErrInvalidTXT, register(with(func(s *mdns.Service) {
			s.Text = [][]byte{[]byte(strings.Repeat("x", 256))}
		}))},
		{"service TTL under 1 s", mdns.ErrInvalidTTL, register(with(func(s *mdns.Service) { s.TTL = time.Millisecond }))},
		{"host TTL negative", mdns.ErrInvalidTTL, func(*mdnstest.Link, *mdns.Conn) error {
			return mdns.ValidateHost(mdns.Host{Name: "nas", Addrs: []netip.Addr{netip.MustParseAddr("10.0.0.9")}, TTL: -time.Second})
		}},
		{"host without address", mdns.ErrInvalidAddr, func(*mdnstest.Link, *mdns.Conn) error {
			return mdns.ValidateHost(mdns.Host{Name: "nas"})
		}},
		{"addresses without host", mdns.ErrInvalidAddr, register(with(func(s *mdns.Service) {
			s.Addrs = []netip.Addr{netip.MustParseAddr("10.0.0.9")}
		}))},
		{"lookup of the zero Addr", mdns.ErrInvalidAddr, func(_ *mdnstest.Link, c *mdns.Conn) error {
			_, err := c.LookupAddr(context.Background(), netip.Addr{})
			return err
		}},
		{"both families disabled", mdns.ErrInvalidConfig, func(link *mdnstest.Link, _ *mdns.Conn) error {
			_, err := mdns.Listen(mdns.Config{Network: link.AddHost("h2"), DisableIPv4: true, DisableIPv6: true})
			return err
		}},
		{"no interface matches", mdns.ErrNoInterface, func(link *mdnstest.Link, _ *mdns.Conn) error {
			c, err := mdns.Listen(mdns.Config{Network: link.AddHost("h2"), Interfaces: []string{"nosuch*"}})
			if err == nil {
				c.Close()
			}
			return err
		}},
		{"lookup nobody answers", mdns.ErrNotFound, func(_ *mdnstest.Link, c *mdns.Conn) error {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			_, err := c.LookupHost(ctx, "nobody.local")
			return err
		}},
		{"name taken, no rename", mdns.ErrNameConflict, func(link *mdnstest.Link, c *mdns.Conn) error {
			if _, err := c.Register(context.Background(), web); err != nil {
				return err
			}
			other, err := mdns.Listen(mdns.Config{Network: link.AddHost("h2")})
			if err != nil {
				return err
			}
			defer other.Close()
			_, err = other.Register(context.Background(), with(func(s *mdns.Service) { s.Port, s.NoRename = 9090, true }))
			return err
		}},
		{"update after deregister", mdns.ErrDeregistered, func(_ *mdnstest.Link, c *mdns.Conn) error {
			reg, err := c.Register(context.Background(), web)
			if err != nil {
				return err
			}
			if err := reg.Deregister(context.Background()); err != nil {
				return err
			}
			return reg.Update(context.Background(), nil, 8081)
		}},
		{"register after close", mdns.ErrClosed, func(_ *mdnstest.Link, c *mdns.Conn) error {
			c.Close()
			_, err := c.Register(context.Background(), web)
			return err
		}},
		{"system network, not UDP", mdns.ErrUnsupportedNetwork, func(*mdnstest.Link, *mdns.Conn) error {
			// Refused before any socket is opened.
			_, err := mdns.SystemNetwork().ListenPacket("tcp4", mdns.Port)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				link := mdnstest.NewLink(mdnstest.LinkConfig{})
				defer link.Close()
				c, err := mdns.Listen(mdns.Config{Network: link.AddHost("h1")})
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				if err := tc.run(link, c); !errors.Is(err, tc.want) {
					t.Errorf("error %v, want one wrapping %v", err, tc.want)
				}
			})
		})
	}
}
