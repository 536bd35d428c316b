package mdns

// querier asks questions continuously, caches answers and turns them into
// browse events (RFC 6762 §5, §7, §10). It lives on the Conn's loop
// goroutine; every method is called from there.
type querier struct {
	c *Conn
}

func newQuerier(c *Conn) *querier { return &querier{c: c} }

// handleQuery watches other hosts' queries: duplicate question suppression
// (§7.3) and passive observation of failures (§10.5).
func (q *querier) handleQuery(in *inMsg) {}

// handleResponse caches the answers of a response (§10) and updates
// browsers.
func (q *querier) handleResponse(in *inMsg) {}

func (q *querier) ifaceUp(ifi *ifaceState)      {}
func (q *querier) ifaceChanged(ifi *ifaceState) {}
func (q *querier) ifaceDown(ifi *ifaceState)    {}
