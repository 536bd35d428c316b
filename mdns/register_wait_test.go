package mdns_test

import (
	"context"
	"errors"

	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

// Wait with a context that ends returns ctx.Err() and leaves the
// registration going; Close fails one still waiting with ErrClosed.
func TestRegisterNoWaitWaitCancelAndClose(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, c := addHost(t, newLink(t), "h1")
		g, err := c.RegisterNoWait(svc("Later"))
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
		g2, err := c.RegisterNoWait(svc("Never"))
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if err := g2.Wait(context.Background()); !errors.Is(err, mdns.ErrClosed) {
			t.Errorf("Wait after Close: %v, want ErrClosed", err)
		}
		if _, err := c.RegisterNoWait(svc("After")); !errors.Is(err, mdns.ErrClosed) {
			t.Errorf("RegisterNoWait after Close: %v", err)
		}
	})
}
