package etcd

import (
	"path"
	"strings"
)

// escape makes a name one path segment as go-micro does: every "/"
// becomes "-".
func escape(s string) string { return strings.ReplaceAll(s, "/", "-") }

// validSegment reports whether an escaped name survives path.Join as
// itself ("", "." and ".." do not).
func validSegment(s string) bool { return s != "" && s != "." && s != ".." }

// nodeKey is a node's key: path.Join(prefix, service, node), as go-micro
// builds it (nodePath in registry/etcd/etcd.go).
func (r *Registry) nodeKey(service, id string) string {
	return path.Join(r.prefix, escape(service), escape(id))
}

// servicePrefix is the prefix of a service's keys, with the trailing
// slash go-micro added (#1899) so that "greeter" does not match
// "greeter2".
func (r *Registry) servicePrefix(service string) string {
	return path.Join(r.prefix, escape(service)) + "/"
}

// splitKey returns the escaped service and node of a key in the layout;
// ok is false for anything else under the prefix (go-micro v3's
// /micro/registry/<domain>/<service>/<node>, foreign keys).
func (r *Registry) splitKey(key string) (service, node string, ok bool) {
	rest, ok := strings.CutPrefix(key, r.prefix)
	if !ok {
		return "", "", false
	}
	service, node, ok = strings.Cut(rest, "/")
	if !ok || !validSegment(service) || !validSegment(node) || strings.Contains(node, "/") {
		return "", "", false
	}
	return service, node, true
}
