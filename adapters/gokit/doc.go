// Package gokit is go-kit's service discovery (github.com/go-kit/kit/sd)
// over mdnskit: an sd.Instancer and an sd.Registrar on any registry with
// domains.Registry's method set — multicast DNS on the local link
// (*domains.Registry), or mdnskit's etcd registry past it. Changing one
// line moves a go-kit client from Consul (or another sd backend) to it:
//
//	instancer := gokit.NewInstancer(reg, logger, "addsvc") // was consulsd.NewInstancer(client, logger, "addsvc", tags, true)
//
// The Instancer is event-driven: it follows the registry's Watch, so a
// node's goodbye reaches subscribers about a second later (RFC 6762 §10.1),
// a crashed node when its records expire, and nothing polls. Instances are
// "host:port" strings made with net.JoinHostPort (IPv6 in brackets, with
// its zone when link-local), sorted and deduplicated. It keeps go-kit's
// contract — every event holds the complete set, and Register sends the
// current one before it returns — and improves on go-kit's own instancers
// in two ways: a slow subscriber never holds up the others (each gets the
// latest set on its own goroutine, intermediate sets skipped), and a
// subscriber that registers while the registry is failing gets the last
// known instances rather than the error, which only subscribers already
// registered are sent. Failed watches are retried with go-kit's
// exponential backoff (10 ms doubling to a minute, jittered), after which
// nodes that left in the meantime are dropped. Stop ends the watch and
// every subscriber's goroutine and waits for them; Deregister waits for
// that subscriber's.
//
// The Registrar registers one domains.Service (its nodes) on Register and
// withdraws it, with goodbyes, on Deregister, logging the outcome through
// go-kit's log.Logger as go-kit's registrars do.
//
// Options: Domain (both; "" is the registry's default domain), TTL (the
// Registrar's record TTL) and Timeout (bounds every registry call, default
// 10 s).
package gokit
