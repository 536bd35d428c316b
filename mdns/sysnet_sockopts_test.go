package mdns

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// These tests open no socket: they are safe in the machine's own
// namespace, and run on every platform.

// sysRow renders a row as "family NAME=value [via] [optional]".
func sysRow(o sysSockopt) string {
	fam := map[sysFamily]string{sysBoth: "both", sysV4: "v4", sysV6: "v6"}[o.Family]
	via := map[sysVia]string{
		sysViaSetsockopt: "", sysViaPacketInfo: " x/net:packet-info", sysViaMulticastTTL: " x/net:multicast-ttl",
		sysViaTTL: " x/net:ttl", sysViaMulticastLoop: " x/net:multicast-loop",
	}[o.Via]
	opt := ""
	if o.Optional {
		opt = " optional"
	}
	return fmt.Sprintf("%s %s=%d%s%s", fam, o.Name, o.Value, via, opt)
}

// TestSysSockoptPlan is the table of what each platform sets (the
// reasons and their sources are in sysnet_sockopts.go).
func TestSysSockoptPlan(t *testing.T) {
	ttl := []string{
		"v4 IP_MULTICAST_TTL=255 x/net:multicast-ttl", "v4 IP_TTL=255 x/net:ttl", "v4 IP_MULTICAST_LOOP=1 x/net:multicast-loop",
		"v6 IPV6_MULTICAST_HOPS=255 x/net:multicast-ttl", "v6 IPV6_UNICAST_HOPS=255 x/net:ttl", "v6 IPV6_MULTICAST_LOOP=1 x/net:multicast-loop",
	}
	v6pktinfo := "v6 IPV6_RECVPKTINFO=1 x/net:packet-info"
	bsdShare := []string{"both SO_REUSEADDR=1", "both SO_REUSEPORT=1", "v6 IPV6_V6ONLY=1"}
	for _, tc := range []struct {
		goos  string
		share sysShare
		want  []string
	}{
		{"linux", sysShareAddr, []string{
			"both SO_REUSEADDR=1", "v4 IP_MULTICAST_ALL=0 optional", "v6 IPV6_V6ONLY=1",
			"v6 IPV6_MULTICAST_ALL=0 optional", "v4 IP_PKTINFO=1 x/net:packet-info", v6pktinfo}},
		{"linux", sysSharePort, []string{
			"both SO_REUSEADDR=1", "both SO_REUSEPORT=1", "v4 IP_MULTICAST_ALL=1 optional", "v6 IPV6_V6ONLY=1",
			"v6 IPV6_MULTICAST_ALL=0 optional", "v4 IP_PKTINFO=1 x/net:packet-info", v6pktinfo}},
		{"android", sysShareAddr, []string{
			"both SO_REUSEADDR=1", "v4 IP_MULTICAST_ALL=0 optional", "v6 IPV6_V6ONLY=1",
			"v6 IPV6_MULTICAST_ALL=0 optional", "v4 IP_PKTINFO=1 x/net:packet-info", v6pktinfo}},
		{"darwin", sysShareAddr, append(slices.Clone(bsdShare), "v4 IP_RECVPKTINFO=1 x/net:packet-info", v6pktinfo)},
		{"ios", sysShareAddr, append(slices.Clone(bsdShare), "v4 IP_RECVPKTINFO=1 x/net:packet-info", v6pktinfo)},
		{"freebsd", sysShareAddr, append(slices.Clone(bsdShare), "v4 IP_RECVDSTADDR+IP_RECVIF=1 x/net:packet-info", v6pktinfo)},
		{"openbsd", sysShareAddr, append(slices.Clone(bsdShare), "v4 IP_RECVDSTADDR+IP_RECVIF=1 x/net:packet-info", v6pktinfo)},
		{"netbsd", sysShareAddr, append(slices.Clone(bsdShare), "v4 IP_RECVDSTADDR+IP_RECVIF=1 x/net:packet-info", v6pktinfo)},
		{"dragonfly", sysShareAddr, append(slices.Clone(bsdShare), "v4 IP_RECVDSTADDR+IP_RECVIF=1 x/net:packet-info", v6pktinfo)},
		{"aix", sysShareAddr, append(slices.Clone(bsdShare), "v4 IP_RECVDSTADDR+IP_RECVINTERFACE=1 x/net:packet-info", v6pktinfo)},
		{"solaris", sysShareAddr, []string{"both SO_REUSEADDR=1", "v6 IPV6_V6ONLY=1", "v4 IP_RECVPKTINFO=1 x/net:packet-info", v6pktinfo}},
		{"illumos", sysShareAddr, []string{"both SO_REUSEADDR=1", "v6 IPV6_V6ONLY=1", "v4 IP_RECVPKTINFO=1 x/net:packet-info", v6pktinfo}},
		{"windows", sysShareAddr, []string{"both SO_REUSEADDR=1", "v6 IPV6_V6ONLY=1", "v4 IP_PKTINFO=1", "v6 IPV6_PKTINFO=1"}},
		// No socket options there: Listen must fail naming them.
		{"plan9", sysShareAddr, []string{"both SO_REUSEADDR=1", "v4 IP_PKTINFO=1 x/net:packet-info", v6pktinfo}},
		{"js", sysShareAddr, []string{"both SO_REUSEADDR=1", "v4 IP_PKTINFO=1 x/net:packet-info", v6pktinfo}},
		{"wasip1", sysShareAddr, []string{"both SO_REUSEADDR=1", "v4 IP_PKTINFO=1 x/net:packet-info", v6pktinfo}},
	} {
		var got []string
		for _, o := range sysSockoptPlan(tc.goos, tc.share) {
			got = append(got, sysRow(o))
			if o.Why == "" {
				t.Errorf("%s: %s has no reason", tc.goos, o.Name)
			}
		}
		want := append(slices.Clone(tc.want), ttl...)
		if !slices.Equal(got, want) {
			t.Errorf("%s with %v:\n got %s\nwant %s", tc.goos, tc.share, strings.Join(got, "\n     "), strings.Join(want, "\n     "))
		}
	}
}

// TestSysSockoptPlanSharePort: only Linux has a second plan; elsewhere
// both are the same, and ListenPacket does not try again.
func TestSysSockoptPlanSharePort(t *testing.T) {
	for _, goos := range []string{"linux", "android", "darwin", "freebsd", "windows", "solaris", "plan9"} {
		same := slices.EqualFunc(sysSockoptPlan(goos, sysShareAddr), sysSockoptPlan(goos, sysSharePort),
			func(a, b sysSockopt) bool { return a == b })
		if same == sysHasSharePort(goos) {
			t.Errorf("%s: plans equal %v, but sysHasSharePort = %v", goos, same, sysHasSharePort(goos))
		}
	}
}

// TestSysSockoptPlanResolves: every row this platform sets by number has
// a number here. Run on each platform's own test binary; on js, wasip1
// and plan9 none resolves, and ListenPacket says so.
func TestSysSockoptPlanResolves(t *testing.T) {
	for _, share := range []sysShare{sysShareAddr, sysSharePort} {
		for _, o := range sysSockoptPlan(runtime.GOOS, share) {
			if o.Via != sysViaSetsockopt {
				continue
			}
			if _, _, ok := sysOptionNumber(o.Name); !ok {
				t.Errorf("%s on %s has no option number", o.Name, runtime.GOOS)
			}
		}
	}
}

func TestSysApplyOptions(t *testing.T) {
	plan := []sysSockopt{
		{Name: "A", Value: 1},
		{Name: "B6", Family: sysV6, Value: 2},
		{Name: "C4", Family: sysV4, Value: 3, Optional: true},
		{Name: "D", Value: 4, Via: sysViaTTL}, // x/net's, after bind
		{Name: "E", Value: 5},
	}
	numbers := map[string][2]int{"A": {1, 10}, "B6": {1, 11}, "C4": {2, 12}, "D": {2, 13}, "E": {1, 14}}
	lookup := func(name string) (int, int, bool) {
		n, ok := numbers[name]
		return n[0], n[1], ok
	}
	for _, tc := range []struct {
		name    string
		v6      bool
		missing string // a name the platform lacks
		refuse  string // a name setsockopt refuses
		want    []string
		wantErr string // the option the *SocketOptionError names
	}{
		{name: "v4", want: []string{"1/10=1", "2/12=3", "1/14=5"}},
		{name: "v6", v6: true, want: []string{"1/10=1", "1/11=2", "1/14=5"}},
		{name: "optional refused", refuse: "C4", want: []string{"1/10=1", "1/14=5"}},
		{name: "optional missing", missing: "C4", want: []string{"1/10=1", "1/14=5"}},
		{name: "required refused", refuse: "A", wantErr: "A"},
		{name: "required missing", missing: "E", want: []string{"1/10=1", "2/12=3"}, wantErr: "E"},
		{name: "other family missing", missing: "B6", want: []string{"1/10=1", "2/12=3", "1/14=5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			look := func(name string) (int, int, bool) {
				if name == tc.missing {
					return 0, 0, false
				}
				return lookup(name)
			}
			err := sysApplyOptions(plan, tc.v6, look, func(level, opt, value int) error {
				if numbers[tc.refuse] == [2]int{level, opt} {
					return syscall.ENOPROTOOPT
				}
				got = append(got, fmt.Sprintf("%d/%d=%d", level, opt, value))
				return nil
			})
			if !slices.Equal(got, tc.want) {
				t.Errorf("set %v, want %v", got, tc.want)
			}
			sysCheckOptionError(t, err, tc.wantErr)
			if tc.refuse != "" && tc.wantErr != "" && !errors.Is(err, syscall.ENOPROTOOPT) {
				t.Errorf("%v does not wrap the system's error", err)
			}
			if tc.missing != "" && tc.wantErr != "" && !errors.Is(err, errors.ErrUnsupported) {
				t.Errorf("%v does not wrap errors.ErrUnsupported", err)
			}
		})
	}
}

func TestSysApplyAfterBind(t *testing.T) {
	plan := []sysSockopt{
		{Name: "BEFORE", Value: 1},
		{Name: "PKT", Family: sysV4, Value: 1, Via: sysViaPacketInfo},
		{Name: "PKT6", Family: sysV6, Value: 1, Via: sysViaPacketInfo},
		{Name: "LOOP", Value: 1, Via: sysViaMulticastLoop, Optional: true},
		{Name: "TTL", Value: 255, Via: sysViaTTL},
	}
	for _, tc := range []struct {
		v6      bool
		refuse  string
		want    string
		wantErr string
	}{
		{want: "PKT LOOP TTL"},
		{v6: true, want: "PKT6 LOOP TTL"},
		{refuse: "LOOP", want: "PKT TTL"},
		{refuse: "PKT", wantErr: "PKT"},
		{v6: true, refuse: "TTL", want: "PKT6 LOOP", wantErr: "TTL"},
	} {
		var got []string
		err := sysApplyAfterBind(plan, tc.v6, func(o sysSockopt) error {
			if o.Name == tc.refuse {
				return errors.New("not implemented")
			}
			got = append(got, o.Name)
			return nil
		})
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("v6=%v refuse %q: set %q, want %q", tc.v6, tc.refuse, g, tc.want)
		}
		sysCheckOptionError(t, err, tc.wantErr)
	}
}

// sysCheckOptionError checks err is a *SocketOptionError for option
// (and nil when option is ""), naming the option and this platform.
func sysCheckOptionError(t *testing.T, err error, option string) {
	t.Helper()
	if option == "" {
		if err != nil {
			t.Errorf("error %v", err)
		}
		return
	}
	var se *SocketOptionError
	if !errors.Is(err, ErrSocketOption) || !errors.As(err, &se) {
		t.Fatalf("error %v, want a *SocketOptionError wrapping ErrSocketOption", err)
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	if se.Option != option || se.Platform != platform ||
		!strings.Contains(err.Error(), option) || !strings.Contains(err.Error(), platform) {
		t.Errorf("error %q (option %q, platform %q), want it to name %s and %s", err, se.Option, se.Platform, option, platform)
	}
}
