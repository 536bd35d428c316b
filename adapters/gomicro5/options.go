package gomicro5

import (
	"context"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"go-micro.dev/v5/registry"
)

// defaultTimeout bounds a call when registry.Timeout is not set. A
// registration takes about a second (probing, RFC 6762 §8.1) and a first
// read at most 1.5 s, so this leaves room for a slow host.
const defaultTimeout = 10 * time.Second

// domainKey is go-micro's own context key for the mDNS domain, so that a
// registry configured for go-micro's stock mDNS registry keeps its domain.
const domainKey = "mdns.domain"

type (
	configKey     struct{}
	callDomainKey struct{}
)

// Domain sets the registry's default domain (go-micro's: "micro"). It is
// stored where go-micro's stock mDNS registry looks for it.
func Domain(d string) registry.Option {
	return func(o *registry.Options) {
		o.Context = context.WithValue(orBackground(o.Context), domainKey, d)
	}
}

// Config sets the domains.Config the registry opens with: wire flavour,
// domains, interfaces, record TTL, mdns settings. It replaces the default,
// domains.Config{Flavour: domains.Micro}, entirely (its zero Flavour is
// DNS-SD). It takes effect only before the registry's first use.
func Config(cfg domains.Config) registry.Option {
	return func(o *registry.Options) {
		o.Context = context.WithValue(orBackground(o.Context), configKey{}, &cfg)
	}
}

// InDomain returns a context that makes one call work in domain d, for the
// Context of registry.RegisterContext, DeregisterContext, GetContext,
// ListContext or WatchContext:
//
//	r.GetService("greeter", registry.GetContext(gomicro5.InDomain(ctx, "dev")))
func InDomain(ctx context.Context, d string) context.Context {
	return context.WithValue(orBackground(ctx), callDomainKey{}, d)
}

// domainFor is the domain of a call: the call's InDomain, else the
// registry's Domain, else "" (the domains.Config default).
func domainFor(call, reg context.Context) string {
	if call != nil {
		if d, ok := call.Value(callDomainKey{}).(string); ok && d != "" {
			return d
		}
	}
	if reg != nil {
		if d, ok := reg.Value(domainKey).(string); ok {
			return d
		}
	}
	return ""
}

// configOf is the domains.Config set by Config, or nil.
func configOf(ctx context.Context) *domains.Config {
	if ctx == nil {
		return nil
	}
	c, _ := ctx.Value(configKey{}).(*domains.Config)
	return c
}

func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
