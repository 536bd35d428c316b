package main

import (
	"encoding/json"
	"time"

	"go-micro.dev/v5/registry"
)

func init() {
	versions["v5"] = func(t time.Duration) peer { return v5peer{registry.NewMDNSRegistry(registry.Timeout(t))} }
}

// v5peer is go-micro v5's mDNS registry.
type v5peer struct{ r registry.Registry }

func (p v5peer) Register(service []byte) (func() error, error) {
	svc := new(registry.Service)
	if err := json.Unmarshal(service, svc); err != nil {
		return nil, err
	}
	return func() error { return p.r.Deregister(svc) }, p.r.Register(svc)
}

func (p v5peer) GetService(name string) ([]any, error) {
	s, err := p.r.GetService(name)
	return anys(s), err
}

func (p v5peer) ListServices() ([]any, error) {
	s, err := p.r.ListServices()
	return anys(s), err
}

func (p v5peer) Watch(name string) (func() (any, error), func(), error) {
	var opts []registry.WatchOption
	if name != "" {
		opts = append(opts, registry.WatchService(name))
	}
	w, err := p.r.Watch(opts...)
	if err != nil {
		return nil, nil, err
	}
	return func() (any, error) { return w.Next() }, w.Stop, nil
}
