package gokit

import (
	"context"
	"strings"

	"github.com/go-kit/kit/sd"
	"github.com/go-kit/log"
	"github.com/mdnskit/mdnskit/domains"
)

// Registrar is an sd.Registrar for one service: Register publishes its
// nodes, Deregister withdraws them. go-kit's interface has no error
// results, so failures are logged.
type Registrar struct {
	reg    Registry
	svc    *domains.Service
	o      options
	logger log.Logger
}

var _ sd.Registrar = (*Registrar)(nil)

// NewRegistrar returns a Registrar of svc, whose nodes carry the
// instances' addresses (domains.Node; over multicast DNS only the port
// counts, the addresses published are the host's own). Options: Domain,
// TTL, Timeout.
func NewRegistrar(reg Registry, svc *domains.Service, logger log.Logger, opts ...Option) *Registrar {
	if logger == nil {
		logger = log.NewNopLogger()
	}
	var ids []string
	for _, n := range svc.Nodes {
		if n != nil {
			ids = append(ids, n.Id)
		}
	}
	return &Registrar{reg: reg, svc: svc, o: newOptions(opts),
		logger: log.With(logger, "service", svc.Name, "nodes", strings.Join(ids, ","))}
}

// Register publishes the service's nodes; over multicast DNS it returns
// once their names are established, about a second (RFC 6762 §8.1).
func (r *Registrar) Register() {
	ctx, cancel := context.WithTimeout(context.Background(), r.o.timeout)
	defer cancel()
	var opts []domains.RegisterOption
	if r.o.ttl > 0 {
		opts = append(opts, domains.WithTTL(r.o.ttl))
	}
	if err := r.reg.Register(ctx, r.o.domain, r.svc, opts...); err != nil {
		r.logger.Log("err", err)
		return
	}
	r.logger.Log("action", "register")
}

// Deregister withdraws the service's nodes, with goodbyes over multicast
// DNS (RFC 6762 §10.1).
func (r *Registrar) Deregister() {
	ctx, cancel := context.WithTimeout(context.Background(), r.o.timeout)
	defer cancel()
	if err := r.reg.Deregister(ctx, r.o.domain, r.svc); err != nil {
		r.logger.Log("err", err)
		return
	}
	r.logger.Log("action", "deregister")
}
