package mdns

// responder publishes records: probing, announcing, answering, defending
// and saying goodbye (RFC 6762 §6–§10). It lives on the Conn's loop
// goroutine; every method is called from there.
type responder struct {
	c    *Conn
	host string // current host label, "h1" (renamed "h1-2" after a conflict)
}

func newResponder(c *Conn, host string) *responder {
	return &responder{c: c, host: host}
}

// handleQuery answers a query (or defends against a probe).
func (r *responder) handleQuery(in *inMsg) {}

// handleResponse looks for conflicts with our records and for answers that
// make our scheduled ones redundant.
func (r *responder) handleResponse(in *inMsg) {}

// ifaceUp starts probing and announcing our records on a new interface.
func (r *responder) ifaceUp(ifi *ifaceState) {}

// ifaceChanged re-announces after the interface's addresses changed; prev
// holds the old state.
func (r *responder) ifaceChanged(ifi, prev *ifaceState) {}

// ifaceDown forgets per-interface state of a vanished interface.
func (r *responder) ifaceDown(ifi *ifaceState) {}

// shutdown sends goodbyes for everything published, twice, and calls done
// once the last one is sent.
func (r *responder) shutdown(done func()) { done() }
