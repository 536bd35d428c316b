package gokit

import (
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// A Registrar's Register and Deregister show in an Instancer on another
// host, in the domain both name; outcomes are logged, failures included.
func TestRegistrar(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		tn := newNet(t, hosts(2)...)
		logger := &testLogger{t: t}
		r := NewRegistrar(tn.regs[0], echo("n1", 8001), logger, Domain("dev"), TTL(5*time.Second))
		inst := NewInstancer(tn.regs[1], nil, "echo", Domain("dev"))
		defer inst.Stop()
		es, _ := subscribe(t, inst)

		r.Register()
		mdnstest.Advance(time.Second)
		if ev, _ := es.last(); !slices.Equal(ev.Instances, []string{"10.0.0.1:8001"}) {
			t.Errorf("after Register: %+v", ev)
		}
		if !logger.has("service echo nodes n1 action register") {
			t.Errorf("log: %q", logger.lines)
		}
		r.Deregister()
		mdnstest.Advance(2 * time.Second)
		if ev, _ := es.last(); len(ev.Instances) != 0 {
			t.Errorf("after Deregister: %+v", ev)
		}
		if !logger.has("action deregister") {
			t.Errorf("log: %q", logger.lines)
		}

		bad := NewRegistrar(tn.regs[0], &domains.Service{Name: "echo", Nodes: []*domains.Node{{Id: "n2", Address: "no port"}}}, logger)
		bad.Register()
		if !logger.has("err domains: invalid service") {
			t.Errorf("a failed Register is not logged: %q", logger.lines)
		}
	})
}
