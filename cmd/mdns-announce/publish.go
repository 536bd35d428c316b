package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// publisher keeps the published set equal to a list of specs, through a
// domains.Registry on the mdns.Conn: plain DNS-SD services with Publish
// (mirrored into the global domain unless --no-mirror), registry services
// with Register.
type publisher struct {
	o    *options
	conn *mdns.Conn
	out  *output
	logf func(format string, args ...any)

	regOnce sync.Once
	reg     *domains.Registry
	regErr  error

	mu   sync.Mutex
	live map[string]*pub

	// One goroutine watches every publication for renames and lost names
	// (watch.go); wake tells it that the set changed.
	wake      chan struct{} // cap 1
	stopWatch context.CancelFunc
	wg        sync.WaitGroup
	lost      chan lostName
}

// pub is one published service.
type pub struct {
	spec spec
	pub  *domains.Publication   // plain services
	host *mdns.HostRegistration // a device's address records alone

	// The names last printed, and whether the name was lost for good:
	// set before the pub is listed in live, then the watcher's alone.
	shown, shownHost string
	lost             bool
}

// lostName reports a name lost after it was established (RFC 6762 §9)
// by a registration that may not be renamed.
type lostName struct {
	key string
	err error
}

func newPublisher(o *options, conn *mdns.Conn, out *output, stderr io.Writer) *publisher {
	p := &publisher{o: o, conn: conn, out: out, live: make(map[string]*pub), lost: make(chan lostName, 16), wake: make(chan struct{}, 1)}
	if o.verbose {
		p.logf = func(format string, args ...any) { cli.Errorf(stderr, name, format, args...) }
	}
	ctx, cancel := context.WithCancel(context.Background())
	p.stopWatch = cancel
	p.wg.Go(func() { p.watch(ctx) })
	return p
}

// registry opens the domains.Registry on first use.
func (p *publisher) registry() (*domains.Registry, error) {
	p.regOnce.Do(func() {
		p.reg, p.regErr = domains.New(domains.Config{
			Flavour:      p.o.flavour,
			GlobalDomain: p.o.globalDomain,
			Conn:         p.conn,
			Logf:         p.logf,
		})
	})
	return p.reg, p.regErr
}

// global is the registry's global domain.
func (p *publisher) global() string {
	switch {
	case p.o.globalDomain != "":
		return domains.NormalizeDomain(p.o.globalDomain)
	case p.o.flavour == domains.Micro:
		return "global"
	}
	return "local"
}

// apply makes the published set equal to specs: it withdraws services no
// longer listed, updates changed ones in place where it can (TXT and port,
// RFC 6762 §8.4) and registers new ones, in parallel. It returns one error
// per service that failed; the others stay published.
func (p *publisher) apply(ctx context.Context, specs []spec) []error {
	want := make(map[string]spec, len(specs))
	for _, s := range specs {
		want[s.key()] = s
	}
	var withdraw []*pub
	var update [][2]*pub // old, new spec
	var add []spec
	p.mu.Lock()
	for k, cur := range p.live {
		s, ok := want[k]
		switch {
		case !ok:
			withdraw = append(withdraw, cur)
		case cur.spec.equal(&s):
		case cur.spec.sameName(&s):
			update = append(update, [2]*pub{cur, {spec: s}})
		default: // a new name, subtypes or TTL: withdraw and register again
			withdraw = append(withdraw, cur)
			add = append(add, s)
		}
	}
	for _, s := range specs {
		if p.live[s.key()] == nil {
			add = append(add, s)
		}
	}
	p.mu.Unlock()

	// Operations run in parallel (probing takes a second or two each);
	// their lines are printed in a stable order once all are done:
	// withdrawals, updates, then new services in the order listed.
	slices.SortFunc(withdraw, func(a, b *pub) int { return strings.Compare(a.spec.key(), b.spec.key()) })
	slices.SortFunc(update, func(a, b [2]*pub) int { return strings.Compare(a[0].spec.key(), b[0].spec.key()) })
	var errs []error
	each := func(n int, fn func(i int) (event, error)) {
		evs := make([]*event, n)
		errOf := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				ev, err := fn(i)
				if err != nil {
					errOf[i] = err
				} else {
					evs[i] = &ev
				}
			})
		}
		wg.Wait()
		for i := range n {
			if evs[i] != nil && evs[i].Event != "" {
				p.out.write(*evs[i])
			}
			if errOf[i] != nil {
				errs = append(errs, errOf[i])
			}
		}
	}
	each(len(withdraw), func(i int) (event, error) { return p.withdraw(ctx, withdraw[i]) })
	each(len(update), func(i int) (event, error) { return p.update(ctx, update[i][0], update[i][1].spec) })
	each(len(add), func(i int) (event, error) { return p.add(ctx, add[i]) })
	return errs
}

func label(s *spec) string { return fmt.Sprintf("%q on %s.%s", s.Instance, s.Service, s.Domain) }

// add registers s and reports its final name.
func (p *publisher) add(ctx context.Context, s spec) (event, error) {
	if s.hostOnly() {
		return p.addHost(ctx, s)
	}
	ev := event{Event: "registered", Instance: s.Instance, Service: s.Service, Domain: s.Domain, Port: s.Port}
	pb := &pub{spec: s}
	if s.Registry {
		if err := p.registerNode(ctx, &s); err != nil {
			return event{}, fmt.Errorf("%s: %w", label(&s), err)
		}
		if s.Domain != p.global() {
			ev.Mirror = p.global()
		}
	} else {
		reg, err := p.registry()
		if err != nil {
			return event{}, err
		}
		var opts []domains.PublishOption
		if s.NoMirror {
			opts = append(opts, domains.WithoutMirror())
		}
		pl, err := reg.Publish(ctx, s.Domain, mdns.Service{
			Instance: s.Instance, Type: s.Service, Subtypes: s.Subtypes,
			Port: s.Port, Priority: s.Priority, Weight: s.Weight, Text: s.text, TTL: s.ttl(), NoRename: s.NoRename,
			Host: s.Host, Addrs: s.addrs,
		}, opts...)
		if err != nil {
			return event{}, fmt.Errorf("%s: %w", label(&s), err)
		}
		pb.pub = pl
		if final := pl.Instance(); final != s.Instance {
			ev.Instance, ev.Requested = final, s.Instance
		}
		if pl.Mirrored() {
			ev.Mirror = p.global()
		}
		if s.Host != "" {
			ev.Host, ev.Addrs = pl.Registration().HostName(), s.Addresses
		}
		pb.shown, pb.shownHost = ev.Instance, ev.Host
	}
	p.list(pb)
	return ev, nil
}

// addHost publishes a device's address records alone (avahi-publish -a)
// and reports the final name.
func (p *publisher) addHost(ctx context.Context, s spec) (event, error) {
	hr, err := p.conn.RegisterHost(ctx, mdns.Host{Name: s.Host, Addrs: s.addrs, TTL: s.ttl(), NoRename: s.NoRename})
	if err != nil {
		return event{}, fmt.Errorf("host %q: %w", s.Host+".local", err)
	}
	ev := event{Event: "registered", Host: hr.Name() + ".local", Addrs: s.Addresses}
	if hr.Name() != s.Host {
		ev.Requested = s.Host + ".local"
	}
	p.list(&pub{spec: s, host: hr, shownHost: ev.Host})
	return ev, nil
}

// registerNode registers (or updates in place) a registry node.
func (p *publisher) registerNode(ctx context.Context, s *spec) error {
	reg, err := p.registry()
	if err != nil {
		return err
	}
	return reg.Register(ctx, s.Domain, p.node(s), domains.WithTTL(s.ttl()))
}

// node is the registry model of a spec: one service with one node.
func (p *publisher) node(s *spec) *domains.Service {
	return &domains.Service{
		Name:      registryName(s.Service, p.o.flavour),
		Version:   s.Version,
		Endpoints: s.Endpoints,
		Nodes:     []*domains.Node{{Id: s.Instance, Address: fmt.Sprintf(":%d", s.Port), Metadata: s.metadata()}},
	}
}

// update changes the TXT record and port of a published service.
func (p *publisher) update(ctx context.Context, cur *pub, s spec) (event, error) {
	var err error
	if s.Registry {
		err = p.registerNode(ctx, &s) // a registered node is updated in place
	} else {
		err = cur.pub.Update(ctx, s.text, s.Port)
	}
	if err != nil {
		return event{}, fmt.Errorf("%s: update: %w", label(&s), err)
	}
	p.mu.Lock()
	cur.spec = s
	p.mu.Unlock()
	instance := s.Instance
	if cur.pub != nil {
		instance = cur.pub.Instance()
	}
	return event{Event: "updated", Instance: instance, Service: s.Service, Domain: s.Domain, Port: s.Port}, nil
}

// withdraw deregisters a service with goodbyes (RFC 6762 §10.1).
func (p *publisher) withdraw(ctx context.Context, cur *pub) (event, error) {
	p.unlist(cur.spec.key())
	s := &cur.spec
	if cur.host != nil {
		host := cur.host.Name() + ".local"
		if err := cur.host.Deregister(ctx); err != nil {
			return event{}, fmt.Errorf("host %q: deregister: %w", host, err)
		}
		return event{Event: "deregistered", Host: host}, nil
	}
	instance := s.Instance
	var err error
	if s.Registry {
		if reg, rerr := p.registry(); rerr == nil {
			err = reg.Deregister(ctx, s.Domain, p.node(s))
		}
	} else {
		instance = cur.pub.Instance()
		err = cur.pub.Withdraw(ctx)
	}
	if err != nil {
		return event{}, fmt.Errorf("%s: deregister: %w", label(s), err)
	}
	return event{Event: "deregistered", Instance: instance, Service: s.Service, Domain: s.Domain, Port: s.Port}, nil
}

// forget drops a service whose name was lost: there is nothing left to
// withdraw.
func (p *publisher) forget(key string) { p.unlist(key) }

// close stops the watcher, then withdraws everything: the registry's
// nodes and mirrors, then every other record, each goodbye sent twice
// (RFC 6762 §10.1).
func (p *publisher) close() error {
	p.stopWatch()
	var errs []error
	if p.reg != nil {
		errs = append(errs, p.reg.Close())
	}
	errs = append(errs, p.conn.Close())
	p.wg.Wait()
	return errors.Join(errs...)
}
