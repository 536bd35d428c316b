package domains

import (
	"context"
	"errors"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// web is the service "Web" to publish in domain: Publish's domain
// argument and the service's own Domain (which must agree).
func web(domain string, txt ...string) mdns.Service {
	s := mdns.Service{Instance: "Web", Type: "_http._tcp", Domain: domain, Port: 8080}
	for _, t := range txt {
		s.Text = append(s.Text, []byte(t))
	}
	return s
}

// resolveText resolves Web._http._tcp.<domain> from r's Conn and returns
// its TXT strings, or ok false if it is not there within 2 s.
func resolveText(t *testing.T, r *Registry, domain string) (text []string, ok bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	e, err := r.conn.Resolve(ctx, "Web", "_http._tcp", domain)
	if err != nil {
		if !errors.Is(err, mdns.ErrNotFound) {
			t.Fatalf("Resolve in %s: %v", domain, err)
		}
		return nil, false
	}
	for _, s := range e.Text {
		text = append(text, string(s))
	}
	return text, true
}

func mustPublish(t *testing.T, r *Registry, s mdns.Service, opts ...PublishOption) *Publication {
	t.Helper()
	p, err := r.Publish(context.Background(), s.Domain, s, opts...)
	if err != nil {
		t.Fatalf("Publish %q in %q: %v", s.Instance, s.Domain, err)
	}
	return p
}

// A plain service in dev is mirrored into the global domain with
// domain=dev (the service's own domain attribute left out of the
// mirror); published under the same name in prod too, it has one mirror
// listing both origins, which follows withdrawals and goes with the last.
func TestPublishMirrorsPlainServices(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, Config{})
		pub, peer := tn.regs[0], tn.regs[1]
		dev := mustPublish(t, pub, web("dev", "path=/", "domain=mine"))
		if !dev.Mirrored() || dev.Instance() != "Web" {
			t.Fatalf("mirrored %v instance %q", dev.Mirrored(), dev.Instance())
		}
		if got, ok := resolveText(t, peer, "dev"); !ok || !slices.Equal(got, []string{"path=/", "domain=mine"}) {
			t.Errorf("in dev: %q %v, want the service as published", got, ok)
		}
		if got, ok := resolveText(t, peer, "local"); !ok || !slices.Equal(got, []string{"path=/", "domain=dev"}) {
			t.Errorf("mirror in local: %q %v, want path=/ domain=dev", got, ok)
		}

		prod := mustPublish(t, pub, web("prod", "path=/p"))
		time.Sleep(2 * time.Second) // the update's announcement, and the old TXT's cache flush
		if got, _ := resolveText(t, peer, "local"); !slices.Equal(got, []string{"path=/p", "domain=dev,prod"}) {
			t.Errorf("mirror after prod: %q, want the latest TXT with domain=dev,prod", got)
		}
		if err := dev.Withdraw(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if got, _ := resolveText(t, peer, "local"); !slices.Equal(got, []string{"path=/p", "domain=prod"}) {
			t.Errorf("mirror after dev's withdrawal: %q, want domain=prod", got)
		}
		if _, ok := resolveText(t, peer, "dev"); ok {
			t.Error("the dev service is still there after Withdraw")
		}
		if err := prod.Update(context.Background(), [][]byte{[]byte("path=/q")}, 8081); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if got, _ := resolveText(t, peer, "local"); !slices.Equal(got, []string{"path=/q", "domain=prod"}) {
			t.Errorf("mirror after Update: %q", got)
		}
		if err := prod.Withdraw(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		if got, ok := resolveText(t, peer, "local"); ok {
			t.Errorf("mirror still there after the last withdrawal: %q", got)
		}
		if err := prod.Withdraw(context.Background()); err != nil {
			t.Errorf("second Withdraw: %v", err)
		}
	})
}

// No mirror with WithoutMirror, nor for a service in the global domain
// itself; Close withdraws every publication and mirror.
func TestPublishWithoutMirror(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, Config{})
		pub, peer := tn.regs[0], tn.regs[1]
		if p := mustPublish(t, pub, web("dev", "a=1"), WithoutMirror()); p.Mirrored() {
			t.Error("WithoutMirror: mirrored")
		}
		if _, ok := resolveText(t, peer, "local"); ok {
			t.Error("WithoutMirror: a mirror in local")
		}
		other := web("", "b=2")
		other.Instance = "Other"
		if p := mustPublish(t, pub, other); p.Mirrored() {
			t.Error("a service in the global domain has a mirror")
		}
		staging := web("staging", "c=3")
		mustPublish(t, pub, staging)
		if _, ok := resolveText(t, peer, "local"); !ok {
			t.Fatal("staging's mirror is missing")
		}
		if err := pub.Close(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * time.Second)
		for _, d := range []string{"dev", "staging", "local"} {
			if _, ok := resolveText(t, peer, d); ok {
				t.Errorf("Web in %s still there after Close", d)
			}
		}
		if _, err := pub.Publish(context.Background(), "dev", web("dev")); !errors.Is(err, ErrClosed) {
			t.Errorf("Publish after Close: %v, want ErrClosed", err)
		}
	})
}

// With NoRename, a mirror whose name another host holds in the global
// domain fails Publish, and the service is withdrawn from its domain.
func TestPublishMirrorConflictNoRename(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, 2, Config{})
		pub, holder := tn.regs[0], tn.regs[1]
		mustPublish(t, holder, web("local", "x=1"))
		s := web("dev")
		s.NoRename = true
		_, err := pub.Publish(context.Background(), "dev", s)
		var ce *mdns.ConflictError
		if !errors.As(err, &ce) {
			t.Fatalf("Publish: %v, want a conflict", err)
		}
		time.Sleep(2 * time.Second)
		if _, ok := resolveText(t, holder, "dev"); ok {
			t.Error("the service stayed in dev after its mirror failed")
		}
	})
}
