package mdns_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// issue 14: Publish starts registrations without a goroutine of the
// caller's each; they are probed together and all established after
// about one probing round (RFC 6762 §8.1), Ready and Wait report it.
func TestPublishManyThenWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		defer link.Close()
		c := listen(t, link.AddHost("h1"))
		start := time.Now()
		var regs []*mdns.Registration
		for i := range 200 {
			g, err := c.Publish(svc(fmt.Sprintf("Web %03d", i)))
			if err != nil {
				t.Fatal(err)
			}
			regs = append(regs, g)
		}
		select {
		case <-regs[0].Ready():
			t.Fatal("ready before probing")
		default:
		}
		for _, g := range regs {
			if err := g.Wait(context.Background()); err != nil {
				t.Fatalf("%s: %v", g.Instance(), err)
			}
		}
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("200 registrations took %v, want about one probing round (< 3 s)", d)
		}
		if n := len(probes(sent(t, link, "h1", start))); n > 30 {
			t.Errorf("%d probe messages for 200 names, want them to share messages", n)
		}
	})
}

// Wait with a context that ends returns ctx.Err() and leaves the
// registration going; Close fails one still waiting with ErrClosed.
func TestPublishWaitCancelAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		defer link.Close()
		c := listen(t, link.AddHost("h1"))
		g, err := c.Publish(svc("Later"))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
		defer cancel()
		if err := g.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Wait past its deadline: %v", err)
		}
		if err := g.Wait(context.Background()); err != nil || g.Instance() != "Later" {
			t.Errorf("Wait after the first gave up: %v, %q", err, g.Instance())
		}
		g2, err := c.Publish(svc("Never"))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if err := g2.Wait(context.Background()); !errors.Is(err, mdns.ErrClosed) {
			t.Errorf("Wait after Close: %v, want ErrClosed", err)
		}
		if _, err := c.Publish(svc("After")); !errors.Is(err, mdns.ErrClosed) {
			t.Errorf("Publish after Close: %v", err)
		}
	})
}
