package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/txt"
)

// A spec is one service to publish, from the flags or one entry of the
// services file. Its JSON form is the file's schema (README.md).
type spec struct {
	Instance  string              `json:"instance"`
	Service   string              `json:"service"`
	Domain    string              `json:"domain,omitempty"`
	Port      uint16              `json:"port"`
	TXT       []string            `json:"txt,omitempty"`
	Subtypes  []string            `json:"subtypes,omitempty"`
	TTL       duration            `json:"ttl,omitempty"`
	NoRename  bool                `json:"no_rename,omitempty"`
	NoMirror  bool                `json:"no_mirror,omitempty"`
	Registry  bool                `json:"registry,omitempty"`
	Version   string              `json:"version,omitempty"`
	Endpoints []*domains.Endpoint `json:"endpoints,omitempty"`
	// A device published for (the proxy case): its host label and
	// addresses; with no service, the address records alone.
	Host      string   `json:"host,omitempty"`
	Addresses []string `json:"addresses,omitempty"`
	Priority  uint16   `json:"priority,omitempty"`
	Weight    uint16   `json:"weight,omitempty"`

	text  [][]byte     // TXT encoded (plain mode), set by check
	addrs []netip.Addr // Addresses parsed, set by check
}

// duration is a time.Duration written in JSON as "30s".
type duration time.Duration

func (d duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("ttl: want a duration such as \"30s\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("ttl: %w", err)
	}
	*d = duration(v)
	return nil
}

func (s *spec) ttl() time.Duration { return time.Duration(s.TTL) }

// key identifies a service across reloads: its name. DNS names compare
// ignoring ASCII case (RFC 6762 §16).
func (s *spec) key() string {
	if s.hostOnly() {
		return "\x00host\x00" + strings.ToLower(s.Host)
	}
	return strings.ToLower(s.Instance + "\x00" + s.Service + "\x00" + s.Domain)
}

// hostOnly reports a spec that publishes a device's address records and
// no service (avahi-publish -a).
func (s *spec) hostOnly() bool {
	return s.Host != "" && s.Service == "" && s.Instance == "" && s.Port == 0
}

// checkHost validates the device a spec publishes for: its label and
// addresses, each named when it is bad.
func (s *spec) checkHost() error {
	if s.Host == "" {
		if len(s.Addresses) > 0 {
			return errors.New("addresses without the host they belong to: name it with --host (\"host\" in a file)")
		}
		return nil
	}
	label, err := mdns.HostLabel(s.Host)
	if err != nil {
		return fmt.Errorf("host %q: %w", s.Host, err)
	}
	s.Host = label
	if len(s.Addresses) == 0 {
		return fmt.Errorf("host %q has no address: a host published for another device needs --address (\"addresses\" in a file)", s.Host)
	}
	s.addrs = nil
	for _, a := range s.Addresses {
		ip, err := netip.ParseAddr(a)
		if err != nil {
			return fmt.Errorf("address %q: not an IPv4 or IPv6 address", a)
		}
		if err := mdns.ValidateHost(mdns.Host{Name: label, Addrs: []netip.Addr{ip}}); err != nil {
			return fmt.Errorf("address %q: %w", a, err)
		}
		s.addrs = append(s.addrs, ip)
	}
	if s.Registry {
		return errors.New("registry nodes are published for this machine; --host with --address is for plain services")
	}
	return nil
}

// check validates s and fills in what follows from it.
func (s *spec) check(o *options) error {
	if err := s.checkHost(); err != nil {
		return err
	}
	if s.hostOnly() {
		if len(s.TXT) > 0 || len(s.Subtypes) > 0 || s.Registry || s.Priority != 0 || s.Weight != 0 {
			return errors.New("TXT, subtypes, priority and weight belong to a service; with --host and --address alone only the address records are published")
		}
		if s.TTL < 0 || (s.TTL > 0 && time.Duration(s.TTL) < time.Second) {
			return fmt.Errorf("ttl %v: want 0 (the defaults) or at least 1s", time.Duration(s.TTL))
		}
		return nil
	}
	if s.Service == "" {
		return errors.New("no service type: name one with --service, e.g. --service _http._tcp")
	}
	s.Service = strings.TrimSuffix(s.Service, ".")
	s.Domain = domains.NormalizeDomain(s.Domain)
	if s.Port == 0 {
		return errors.New("no port: name one with --port, e.g. --port 8080")
	}
	if s.TTL < 0 || (s.TTL > 0 && time.Duration(s.TTL) < time.Second) {
		return fmt.Errorf("ttl %v: want 0 (the defaults) or at least 1s", time.Duration(s.TTL))
	}
	s.Registry = s.Registry || s.Version != "" || s.Endpoints != nil
	attrs, err := parseTXT(s.TXT)
	if err != nil {
		return err
	}
	if s.Registry {
		if len(s.Subtypes) > 0 {
			return errors.New("subtypes are not part of the registry model; drop them or the registry options")
		}
		if s.NoMirror {
			return errors.New("registry nodes are always mirrored into the global domain; --no-mirror is for plain services")
		}
		if s.Domain == "" {
			s.Domain = "local"
			if o.flavour == domains.Micro {
				s.Domain = "micro" // go-micro's default domain
			}
		}
		if s.Instance == "" {
			s.Instance = domains.NewNodeID(registryName(s.Service, o.flavour))
		}
		return domains.ValidateNodeID(s.Instance, o.flavour)
	}
	if s.Domain == "" {
		s.Domain = "local"
	}
	if s.Instance == "" {
		return errors.New("no instance name: name one with --instance, e.g. --instance \"My Web\"")
	}
	if err := mdns.ValidateInstance(s.Instance); err != nil {
		return fmt.Errorf("instance %q: %w", s.Instance, err)
	}
	s.text, err = txt.Encode(attrs)
	return err
}

// parseTXT reads k=v, k= and k attributes (txt.Parse), naming the
// attribute and key of a bad one.
func parseTXT(list []string) (txt.Attrs, error) {
	attrs, err := txt.Parse(list...)
	if err != nil {
		var ke *txt.KeyError
		if errors.As(err, &ke) {
			return nil, fmt.Errorf("invalid TXT attribute %q (key %q): %s", list[ke.Index], ke.Key, ke.Reason)
		}
		return nil, fmt.Errorf("invalid TXT attributes: %w", err)
	}
	return attrs, nil
}

// metadata is the TXT attributes as registry metadata: a bare key is an
// empty value.
func (s *spec) metadata() map[string]string {
	if len(s.TXT) == 0 {
		return nil
	}
	m := make(map[string]string, len(s.TXT))
	for _, kv := range s.TXT {
		a := txt.ParseAttr(kv)
		m[a.Key] = string(a.Value)
	}
	return m
}

// registryName is the registry's service name for --service: "greeter"
// for _greeter._tcp in the DNS-SD flavour, the name itself otherwise.
func registryName(service string, f domains.Flavour) string {
	if f == domains.DNSSD {
		if n, ok := strings.CutSuffix(service, "._tcp"); ok && strings.HasPrefix(n, "_") && !strings.Contains(n, ".") {
			return n[1:]
		}
	}
	return service
}

// readSpecs reads a services file: a JSON list of specs, unknown fields
// refused, each checked; flags give the defaults.
func readSpecs(path string, o *options) ([]spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var raw []json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: want a JSON list of services: %w", path, err)
	}
	specs := make([]spec, 0, len(raw))
	seen := map[string]int{}
	for i, r := range raw {
		s := o.spec // the flags' values are defaults
		s.TXT, s.Subtypes, s.Endpoints, s.Addresses, s.addrs = nil, nil, nil, nil, nil
		d := json.NewDecoder(bytes.NewReader(r))
		d.DisallowUnknownFields()
		if err := d.Decode(&s); err != nil {
			return nil, fmt.Errorf("%s: service %d: %w", path, i+1, err)
		}
		s.Registry = s.Registry || o.registry
		if s.Registry && s.Instance == "" {
			return nil, fmt.Errorf("%s: service %d: a registry service in a file needs an instance (its node id), so that reloads find it again", path, i+1)
		}
		if err := s.check(o); err != nil {
			return nil, fmt.Errorf("%s: service %d (%q): %w", path, i+1, s.Instance, err)
		}
		if j, dup := seen[s.key()]; dup {
			return nil, fmt.Errorf("%s: services %d and %d have the same name", path, j, i+1)
		}
		seen[s.key()] = i + 1
		specs = append(specs, s)
	}
	return specs, nil
}

// readEndpoints reads go-micro's endpoint JSON: a list of endpoints, or a
// go-micro service object with an "endpoints" list.
func readEndpoints(path string) ([]*domains.Endpoint, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var eps []*domains.Endpoint
	if err := json.Unmarshal(data, &eps); err == nil {
		return eps, nil
	}
	var svc struct {
		Endpoints []*domains.Endpoint `json:"endpoints"`
	}
	if err := json.Unmarshal(data, &svc); err != nil {
		return nil, fmt.Errorf("%s: want a JSON list of go-micro endpoints: %w", path, err)
	}
	return svc.Endpoints, nil
}

// equal reports whether s and t publish exactly the same.
func (s *spec) equal(t *spec) bool {
	a, _ := json.Marshal(s)
	b, _ := json.Marshal(t)
	return bytes.Equal(a, b)
}

// sameName reports whether two specs publish the same records apart from
// what an in-place update can change (TXT and port, RFC 6762 §8.4).
func (s *spec) sameName(t *spec) bool {
	return s.key() == t.key() && s.Registry == t.Registry && s.TTL == t.TTL && s.NoRename == t.NoRename && s.NoMirror == t.NoMirror &&
		slices.Equal(s.Subtypes, t.Subtypes) && !s.hostOnly() && s.Host == t.Host && slices.Equal(s.Addresses, t.Addresses) &&
		s.Priority == t.Priority && s.Weight == t.Weight
}

// checkDevices checks what the flags cannot before the Conn is open: a
// device is not this machine (whose host name the Conn holds), and the
// interface of every link-local address (fe80::9%eth0) is one the Conn
// serves: the address is published there only.
func checkDevices(specs []spec, conn *mdns.Conn) error {
	ifaces := conn.Interfaces()
	for _, s := range specs {
		if s.Host != "" && strings.EqualFold(s.Host, conn.HostName()) {
			return fmt.Errorf("host %q is this machine; --host with --address publishes another device", s.Host)
		}
		for _, a := range s.addrs {
			if z := a.Zone(); z != "" && !slices.ContainsFunc(ifaces, func(it mdns.Interface) bool { return it.Name == z }) {
				return fmt.Errorf("address %q: interface %q is not one this announcer uses", a, z)
			}
		}
	}
	return nil
}
