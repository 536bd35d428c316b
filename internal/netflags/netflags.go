// Package netflags holds the network flags the commands share — which
// interfaces (by name or pattern, and which to leave out) and which
// address families — and what goes with them: the mdns.Config they make,
// the notes and hints about interfaces printed on stderr.
package netflags

import (
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/mdns"
)

// Net is the values of the network flags.
type Net struct {
	Interfaces []string // --interface: names or patterns
	Exclude    []string // --exclude-interface
	IPv4Only   bool     // --ipv4-only
	IPv6Only   bool     // --ipv6-only
}

// Register defines the flags on fs: -i/--interface and
// --exclude-interface (repeatable), -4/--ipv4-only, -6/--ipv6-only.
func (n *Net) Register(fs *pflag.FlagSet) {
	fs.VarP(cli.Strings{Values: &n.Interfaces}, "interface", "i", "")
	fs.Var(cli.Strings{Values: &n.Exclude}, "exclude-interface", "")
	fs.BoolVarP(&n.IPv4Only, "ipv4-only", "4", false, "")
	fs.BoolVarP(&n.IPv6Only, "ipv6-only", "6", false, "")
}

// Check reports a usage error: a bad pattern (naming it and its flag) or
// both families excluded.
func (n *Net) Check() error {
	if n.IPv4Only && n.IPv6Only {
		return errors.New("--ipv4-only and --ipv6-only exclude each other")
	}
	for _, f := range []struct {
		flag     string
		patterns []string
	}{{"interface", n.Interfaces}, {"exclude-interface", n.Exclude}} {
		for _, p := range f.patterns {
			if err := mdns.ValidateInterfacePattern(p); err != nil {
				return fmt.Errorf("--%s: %w", f.flag, err)
			}
		}
	}
	return nil
}

// Apply sets cfg's interfaces and families from the flags, and makes the
// Conn's warnings (a group that could not be joined) appear on stderr,
// each with a hint when one is known.
func (n *Net) Apply(cfg *mdns.Config, name string, stderr io.Writer) {
	cfg.Interfaces = n.Interfaces
	cfg.ExcludeInterfaces = n.Exclude
	cfg.DisableIPv4 = n.IPv6Only
	cfg.DisableIPv6 = n.IPv4Only
	cfg.Warn = func(err error) { cli.Report(stderr, name, err, JoinHint) }
}

// Listen opens the Conn cfg describes and says on stderr when it can only
// reach this machine; on failure it reports the error with hints and
// returns nil.
func (n *Net) Listen(cfg mdns.Config, name string, stderr io.Writer, hints ...cli.Hint) *mdns.Conn {
	conn, err := mdns.Listen(cfg)
	if err != nil {
		cli.Report(stderr, name, err, append(hints, Hints(n)...)...)
		return nil
	}
	if len(n.Interfaces) == 0 && conn.MachineLocal() {
		cli.Errorf(stderr, name, "%s", cli.MachineLocalNote)
	}
	return conn
}

// Hints explain the errors of opening the mDNS sockets.
func Hints(n *Net) []cli.Hint {
	hs := cli.SocketHints(mdns.ErrNoInterface, len(n.Interfaces) > 0)
	if len(n.Exclude) > 0 {
		hs[0].Text += ", and that --exclude-interface leaves it in"
	}
	return hs
}

// JoinHint explains the usual reason a group cannot be joined: the
// system's limit of memberships per socket, one per interface here.
var JoinHint = cli.Hint{
	Match: func(err error) bool { return errors.Is(err, syscall.ENOBUFS) },
	Text: "the system limits how many interfaces one socket may join the group on; on Linux raise it with " +
		"'sysctl -w net.ipv4.igmp_max_memberships=64' (IPv4, default 20; net.core.optmem_max for IPv6), " +
		"or leave interfaces out with --exclude-interface (e.g. 'veth*', 'docker*')",
}
