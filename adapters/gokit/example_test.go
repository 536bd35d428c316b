package gokit_test

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/sd/lb"
	"github.com/go-kit/log"
	"github.com/mdnskit/mdnskit/adapters/gokit"
	"github.com/mdnskit/mdnskit/domains"
)

// A go-kit client that found "addsvc" in Consul finds it on the local
// link instead; only the Instancer line changes (and the registry it is
// given). The endpointer, balancer and retries stay as they were.
func ExampleNewInstancer() {
	logger := log.NewLogfmtLogger(os.Stderr)
	reg, err := domains.New(domains.Config{})
	if err != nil {
		logger.Log("err", err)
		return
	}
	defer reg.Close()

	instancer := gokit.NewInstancer(reg, logger, "addsvc") // was: consulsd.NewInstancer(client, logger, "addsvc", tags, true)
	defer instancer.Stop()

	var factory sd.Factory = func(instance string) (endpoint.Endpoint, io.Closer, error) {
		return makeEndpoint(instance), nil, nil // e.g. an httptransport client of http://instance
	}
	endpointer := sd.NewEndpointer(instancer, factory, logger)
	defer endpointer.Close()
	sum := lb.Retry(3, time.Second, lb.NewRoundRobin(endpointer))
	_, _ = sum(context.Background(), nil)
}

// The service side: announce this process's "addsvc" node on the link
// while it runs.
func ExampleNewRegistrar() {
	logger := log.NewLogfmtLogger(os.Stderr)
	reg, err := domains.New(domains.Config{})
	if err != nil {
		logger.Log("err", err)
		return
	}
	defer reg.Close()

	svc := &domains.Service{Name: "addsvc", Version: "1.0.0", Nodes: []*domains.Node{{
		Id:      domains.NewNodeID("addsvc"),
		Address: ":8081", // the port; the addresses published are the host's own
	}}}
	registrar := gokit.NewRegistrar(reg, svc, logger) // was: consulsd.NewRegistrar(client, registration, logger)
	registrar.Register()
	defer registrar.Deregister()
}

func makeEndpoint(instance string) endpoint.Endpoint {
	return func(ctx context.Context, request any) (any, error) { return instance, nil }
}
