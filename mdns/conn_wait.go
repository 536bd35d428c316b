package mdns

import "context"

// waitReady waits for ready (a registration established or failed) and
// returns errOf(), ctx.Err() when ctx ends first, or ErrClosed when the
// Conn closes first.
func (c *Conn) waitReady(ctx context.Context, ready <-chan struct{}, errOf func() error) error {
	select {
	case <-ready:
	case <-c.loopDone:
		select {
		case <-ready:
		default:
			return ErrClosed
		}
	case <-ctx.Done():
		select {
		case <-ready:
		default:
			return ctx.Err()
		}
	}
	return errOf()
}

// withdrawAndWait runs withdraw on the loop, handing it a done callback,
// and waits until done is called (the last goodbye sent), ctx ends or
// the Conn closes.
func (c *Conn) withdrawAndWait(ctx context.Context, withdraw func(done func())) error {
	done := make(chan struct{})
	if err := c.do(ctx, func() { withdraw(func() { close(done) }) }); err != nil {
		return err
	}
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-c.loopDone:
		select {
		case <-done:
			return nil
		default:
			return ErrClosed
		}
	}
}
