package mdns

import "slices"

// The responder's side of Conn.Register and Registration.Update
// (register.go): a new registration joins the published set and starts
// probing; an update re-announces the changed records.

// add starts publishing g: its name is made unique among our own
// registrations, then probed on every interface, with the host name if g
// is the only service.
func (r *responder) add(g *Registration) error {
	if r.closed {
		return ErrClosed
	}
	if r.localTaken(g, g.svc.Instance) {
		if g.svc.NoRename {
			return &ConflictError{Name: g.svc.Instance}
		}
		g.setInstance(nextInstanceName(g.svc.Instance))
	}
	if err := r.bindService(g); err != nil {
		return err
	}
	first := r.targetsOwnHost(g) && !r.ownHostNeeded()
	r.regs = append(r.regs, g)
	r.changed()
	r.rename(g, g.svc.Instance)
	if first {
		r.resetHostClaim()
		r.startProbing(r.hostClaim, 0)
	}
	r.startProbing(g.cl, 0)
	return nil
}

// update changes g's TXT and port and announces the changed records
// where g is established (RFC 6762 §8.4).
func (r *responder) update(g *Registration, text [][]byte, port uint16) error {
	if !slices.Contains(r.regs, g) {
		if err := g.Err(); err != nil {
			return err
		}
		return ErrDeregistered
	}
	g.svc.Text, g.svc.Port = text, port
	g.mu.Lock()
	g.pub.Text, g.pub.Port = cloneText(text), port
	g.mu.Unlock()
	r.buildReg(g)
	for _, ifr := range r.sortedIfs() {
		if st := g.cl.per[ifr.ifi.Index]; st != nil && st.state == stLive {
			r.announceUpdate(ifr, g, 0)
		}
	}
	return nil
}

func (r *responder) announceUpdate(ifr *ifResp, g *Registration, n int) {
	st := g.cl.per[ifr.ifi.Index]
	if ifr.gone || r.closed || st == nil || st.state != stLive || !slices.Contains(r.regs, g) {
		return
	}
	var recs []*prr
	for _, p := range g.recs {
		if p.unique && !p.nsec {
			recs = append(recs, p)
		}
	}
	r.announceRecords(ifr, recs)
	if n+1 < announceCount {
		r.c.after(announceDelay(n), func() { r.announceUpdate(ifr, g, n+1) })
	}
}
