package mdns

import "time"

// Bursts of multicast. A responder answering for thousands of instances,
// or a querier listing them as known answers (RFC 6762 §7.2), has
// hundreds of datagrams to send at once. A receiver's socket buffer holds
// about ninety full datagrams by default on Linux and drops the rest when
// they come faster than it reads; every host on the link is such a
// receiver. So on each interface and family at most paceBurst datagrams
// leave at once, then paceBurst more every paceInterval, in order: 3200
// datagrams a second, some 4.7 MB/s. Ordinary traffic (a probe, an
// announcement, a query, an answer for a few instances) never waits.
const (
	paceBurst    = 32
	paceInterval = 10 * time.Millisecond
)

// pacer is one interface and family's multicast queue.
type pacer struct {
	queue  [][]byte
	task   *task
	window time.Time // start of the current interval
	sent   int       // datagrams sent in it
}

// multicastPaced sends datagrams to the group of one interface and
// family, at once while the interval's budget lasts and from the queue
// after that.
func (c *Conn) multicastPaced(ifIndex int, v6 bool, msgs [][]byte) {
	if c.pacers == nil {
		c.pacers = make(map[famKey]*pacer)
	}
	fk := famKey{ifIndex, v6}
	p := c.pacers[fk]
	if p == nil {
		p = &pacer{}
		c.pacers[fk] = p
	}
	now := time.Now()
	if now.Sub(p.window) >= paceInterval {
		p.window, p.sent = now, 0
	}
	for _, b := range msgs {
		if len(p.queue) == 0 && p.sent < paceBurst {
			p.sent++
			c.write(v6, b, c.groupAddr(v6), ifIndex)
			continue
		}
		p.queue = append(p.queue, b)
	}
	if len(p.queue) > 0 && p.task == nil {
		p.task = c.after(p.window.Add(paceInterval).Sub(now), func() { c.drain(fk, p) })
	}
}

// drain sends the next interval's share of a queue.
func (c *Conn) drain(fk famKey, p *pacer) {
	p.task = nil
	p.window, p.sent = time.Now(), 0
	if c.ifaces[fk.ifIndex] == nil {
		p.queue = nil // the interface went away
	}
	for len(p.queue) > 0 && p.sent < paceBurst {
		b := p.queue[0]
		p.queue[0] = nil
		p.queue = p.queue[1:]
		p.sent++
		c.write(fk.v6, b, c.groupAddr(fk.v6), fk.ifIndex)
	}
	if len(p.queue) > 0 {
		p.task = c.after(paceInterval, func() { c.drain(fk, p) })
		return
	}
	p.queue = nil
	c.paced()
}

// whenSent runs fn once every queued datagram has been sent (at once if
// none waits): goodbyes must be on the wire before the sockets close.
func (c *Conn) whenSent(fn func()) {
	for _, p := range c.pacers {
		if len(p.queue) > 0 {
			c.sentWaiters = append(c.sentWaiters, fn)
			return
		}
	}
	fn()
}

// paced runs the whenSent callbacks once no queue holds anything.
func (c *Conn) paced() {
	for _, p := range c.pacers {
		if len(p.queue) > 0 {
			return
		}
	}
	ws := c.sentWaiters
	c.sentWaiters = nil
	for _, fn := range ws {
		fn()
	}
}
