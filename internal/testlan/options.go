package testlan

import (
	"errors"
	"fmt"
)

// MaxHosts bounds Options.Hosts; 254 is taken by Self.
const MaxHosts = 100

// Options describes a LAN. The zero value is a LAN with no hosts (useful
// only with Self) on both IPv4 and IPv6.
type Options struct {
	Hosts  int  // h1..hN
	NoIPv4 bool // IPv6-only LAN
	NoIPv6 bool // IPv4-only LAN (IPv6 disabled in the hosts)
	NoULA  bool // no fd00:99::I/64 (link-local IPv6 only)
	// Self makes the test process itself host 254 on br0, so in-process
	// code with real sockets can take part (see the package doc).
	Self bool
	// SecondLink lists hosts that sit on a second bridge, br1, with
	// 10.98.0.I/24 and fd00:98::I/64, instead of br0. With it, host
	// RouterIndex (LAN.Router) joins both bridges — eRouterIndex on br0,
	// fRouterIndex on br1, .253 on each — without forwarding IP: the place
	// for a reflector (StartAvahi with enable-reflector=yes serves both).
	SecondLink []int
	// Binaries are Go packages built before the namespace is entered:
	// import paths, module-relative "./cmd/x" paths, or directories holding
	// their own go.mod (built from inside that directory). LAN.Bin finds
	// them by base name.
	Binaries []string
}

// ErrOptions reports an impossible Options value.
var ErrOptions = errors.New("testlan: bad options")

func (o Options) validate() error {
	if o.Hosts < 0 || o.Hosts > MaxHosts {
		return fmt.Errorf("%w: Hosts=%d, want 0..%d", ErrOptions, o.Hosts, MaxHosts)
	}
	if o.NoIPv4 && o.NoIPv6 {
		return fmt.Errorf("%w: NoIPv4 and NoIPv6 together leave nothing", ErrOptions)
	}
	for _, i := range o.SecondLink {
		if i < 1 || i > o.Hosts {
			return fmt.Errorf("%w: SecondLink host %d is not one of h1..h%d", ErrOptions, i, o.Hosts)
		}
	}
	return nil
}
