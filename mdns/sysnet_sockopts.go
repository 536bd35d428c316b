package mdns

// The socket options ListenPacket sets, per platform, in one table: what
// is set, how, and why. Each platform's file only maps option names to its
// numbers (sysOptionNumber); x/net sets the rows marked with a sysVia
// other than sysViaSetsockopt, using the option its platform file names.
//
// Where a fact comes from is said next to the row that relies on it.

// sysFamily says which socket a row applies to.
type sysFamily uint8

const (
	sysBoth sysFamily = iota
	sysV4
	sysV6
)

func (f sysFamily) has(v6 bool) bool {
	return f == sysBoth || (f == sysV6) == v6
}

// sysVia says how a row is applied.
type sysVia uint8

const (
	sysViaSetsockopt    sysVia = iota // before bind, setsockopt by number
	sysViaPacketInfo                  // after bind: x/net SetControlMessage(FlagDst|FlagInterface)
	sysViaMulticastTTL                // after bind: x/net SetMulticastTTL / SetMulticastHopLimit
	sysViaTTL                         // after bind: x/net SetTTL / SetHopLimit
	sysViaMulticastLoop               // after bind: x/net SetMulticastLoopback
)

// sysShare is how a socket shares the mDNS port with the other mDNS
// software of the host.
type sysShare uint8

const (
	// sysShareAddr is the default everywhere.
	sysShareAddr sysShare = iota
	// sysSharePort is Linux's second attempt, when the port is held by a
	// socket that set only SO_REUSEPORT (see sysSockoptPlan).
	sysSharePort
)

func (s sysShare) String() string {
	if s == sysSharePort {
		return "SO_REUSEPORT"
	}
	return "SO_REUSEADDR"
}

// A sysSockopt is one row of the table.
type sysSockopt struct {
	Name   string // as the platform's headers spell it
	Family sysFamily
	Value  int
	Via    sysVia
	// Optional rows may be refused (an older kernel); Why says what
	// covers for them. A required row that cannot be set fails Listen
	// with a *SocketOptionError: never a socket that silently hears
	// nothing.
	Optional bool
	Why      string
}

// sysHasSharePort reports whether goos has a distinct sysSharePort plan,
// that is, whether ListenPacket tries again with it when the port is in
// use.
func sysHasSharePort(goos string) bool { return goos == "linux" || goos == "android" }

// sysSockoptPlan returns the options a socket gets on goos.
func sysSockoptPlan(goos string, share sysShare) []sysSockopt {
	var p []sysSockopt
	switch goos {
	case "linux", "android":
		p = append(p, sysOptsLinux(share)...)
	case "darwin", "ios":
		p = append(p, sysOptsReusePort...)
		// x/net asks for IP_RECVPKTINFO where the platform has it
		// (x/net ipv4/sys_darwin.go); mDNSResponder asks for
		// IP_RECVDSTADDR and IP_RECVIF (mDNSMacOSX/mDNSMacOSX.c,
		// SetupSocket), which carry the same two facts.
		p = append(p, sysPacketInfo("IP_RECVPKTINFO", sysV4))
	case "freebsd", "netbsd", "openbsd", "dragonfly":
		p = append(p, sysOptsReusePort...)
		// ip(4) of the BSDs: IP_RECVDSTADDR yields the destination
		// address, IP_RECVIF the receiving interface (x/net
		// ipv4/sys_bsd.go, sys_freebsd.go, sys_dragonfly.go set both).
		p = append(p, sysPacketInfo("IP_RECVDSTADDR+IP_RECVIF", sysV4))
	case "aix":
		// Go's own multicast listener sets both options on AIX
		// (net/sockopt_aix.go); x/net ipv4/sys_aix.go uses
		// IP_RECVDSTADDR and IP_RECVINTERFACE.
		p = append(p, sysOptsReusePort...)
		p = append(p, sysPacketInfo("IP_RECVDSTADDR+IP_RECVINTERFACE", sysV4))
	case "solaris", "illumos":
		// Go shares multicast ports with SO_REUSEADDR alone there
		// (net/sockopt_solaris.go), and x/sys has no SO_REUSEPORT for
		// them; x/net ipv4/sys_solaris.go uses IP_RECVPKTINFO.
		p = append(p, sysOptReuseAddr, sysOptV6Only, sysPacketInfo("IP_RECVPKTINFO", sysV4))
	case "windows":
		p = append(p, sysOptsWindows...)
	default:
		// js, wasip1, plan9: no socket options and no packet info. The
		// rows stay so that Listen fails naming what is missing rather
		// than open a socket whose every datagram is dropped for want
		// of a receiving interface.
		p = append(p, sysOptReuseAddr, sysPacketInfo("IP_PKTINFO", sysV4))
	}
	if goos != "windows" {
		// RFC 3542 §6.1, the one packet-info option of every unix
		// (x/net ipv6/sys_*.go).
		p = append(p, sysPacketInfo("IPV6_RECVPKTINFO", sysV6))
	}
	return append(p, sysOptsTTL...)
}

// SO_REUSEADDR is how everyone shares 5353 on Linux, Solaris and Windows:
// avahi-daemon (avahi-core/socket.c), python-zeroconf, today's
// mDNSResponder for POSIX (mDNSPosix/mDNSPosix.c, SetupSocket, which
// prefers it to SO_REUSEPORT everywhere but macOS) and Go's own multicast
// listener (net/sockopt_linux.go, sockopt_windows.go). Linux lets a UDP
// port be bound again when both sockets set it (udp_lib_lport_inuse in
// net/ipv4/udp.c); Windows when the later socket sets it (Microsoft's
// "Using SO_REUSEADDR and SO_EXCLUSIVEADDRUSE").
var sysOptReuseAddr = sysSockopt{
	Name: "SO_REUSEADDR", Value: 1,
	Why: "share port 5353 with the host's other mDNS software",
}

// IPV6_V6ONLY keeps the IPv6 socket off IPv4: without it a socket on ::
// also takes IPv4 datagrams as v4-mapped addresses (RFC 3493 §5.3, Linux
// ipv6(7)) and collides with our own IPv4 socket on the port. Windows
// defaults to on (Microsoft's "Dual-Stack Sockets"); it is set anyway.
var sysOptV6Only = sysSockopt{
	Name: "IPV6_V6ONLY", Family: sysV6, Value: 1,
	Why: "IPv4 has its own socket on the port",
}

// macOS and the BSDs share a wildcard-bound port only between sockets
// that all set SO_REUSEPORT (FreeBSD in_pcbbind_setup and XNU in_pcbbind,
// netinet/in_pcb.c; FreeBSD socket(2)). mDNSResponder sets only
// SO_REUSEPORT on 5353 (mDNSMacOSX/mDNSMacOSX.c, SetupSocket), so a socket
// without it cannot bind next to it. Every such socket gets its own copy
// of each multicast datagram (FreeBSD ip(4)). SO_REUSEADDR as well, as Go
// sets both (net/sockopt_bsd.go).
var sysOptsReusePort = []sysSockopt{
	sysOptReuseAddr,
	{Name: "SO_REUSEPORT", Value: 1, Why: "mDNSResponder holds 5353 with SO_REUSEPORT alone"},
	sysOptV6Only,
}

// sysOptsLinux: SO_REUSEADDR alone by default, and IP_MULTICAST_ALL off.
//
// Not SO_REUSEPORT by default: sockets of one user that set it form a
// reuseport group, and a group datagram for which exactly one socket of
// the port qualifies (the only one that joined on the receiving
// interface) is found by the early demux and then handed by the group's
// hash to any member, even one that never joined there: on Linux 6.18 a
// socket that joined nothing took half of them
// (TestSysReusePortMisdelivers). The re-selection of an early-demuxed
// socket within its reuseport group is inet_steal_sock
// (include/net/inet_hashtables.h); kernels before it delivered to the
// demuxed socket.
//
// sysSharePort is for a port held by a socket that set SO_REUSEPORT alone
// (older mDNSResponder builds for POSIX; the kernel refuses to put a
// SO_REUSEADDR-only socket next to it, udp_lib_lport_inuse). Joining its
// group is the only way to bind, and only for the same user (socket(7)).
// The mis-steering above is then defeated by keeping IP_MULTICAST_ALL on:
// a socket that did not clear it qualifies for every group datagram the
// host accepts, so with the owner (which does not clear it either) no
// datagram ever has exactly one candidate, the kernel delivers a copy to
// each socket, and ReadFrom drops the ones from interfaces this socket
// did not join, using the interface in the packet info
// (TestSysReusePortOwner).
func sysOptsLinux(share sysShare) []sysSockopt {
	mcAll := sysSockopt{
		// ip(7): on by default, the socket receives every group any
		// socket of the host joined, on any interface, and would answer
		// on links it was never configured for.
		Name: "IP_MULTICAST_ALL", Family: sysV4, Value: 0, Optional: true,
		Why: "only the groups this socket joined; ReadFrom filters by joined interface anyway",
	}
	p := []sysSockopt{sysOptReuseAddr}
	if share == sysSharePort {
		p = append(p, sysSockopt{
			Name: "SO_REUSEPORT", Value: 1,
			Why: "port 5353 is held by a socket that set SO_REUSEPORT alone",
		})
		mcAll.Value = 1
		mcAll.Why = "never the only candidate for a group datagram in a reuseport group; ReadFrom filters by joined interface"
	}
	return append(p, mcAll, sysOptV6Only,
		sysSockopt{
			// Linux 4.20 and later; the kernel's IPv6 group filter
			// ignores the interface anyway (inet6_mc_check in
			// net/ipv6/mcast.c), so ReadFrom filters in both cases.
			Name: "IPV6_MULTICAST_ALL", Family: sysV6, Value: 0, Optional: true,
			Why: "only the groups this socket joined; ReadFrom filters by joined interface anyway",
		},
		// ip(7): IP_PKTINFO gives the receiving interface and the
		// destination address of each datagram.
		sysPacketInfo("IP_PKTINFO", sysV4),
	)
}

// sysOptsWindows: x/net has no control messages on Windows (its
// documented BUG), so the interface and destination of each datagram
// come from IP_PKTINFO / IPV6_PKTINFO, set here before bind and read by
// WSARecvMsg (Microsoft's IN_PKTINFO and IN6_PKTINFO pages; Go's
// UDPConn.ReadMsgUDP calls WSARecvMsg, internal/poll/fd_windows.go).
// Bonjour for Windows does the same (mDNSWindows/mDNSWin32.c, SetupSocket).
var sysOptsWindows = []sysSockopt{
	sysOptReuseAddr,
	sysOptV6Only,
	{Name: "IP_PKTINFO", Family: sysV4, Value: 1, Why: "the receiving interface of each datagram (RFC 6762 §11 on-link check)"},
	{Name: "IPV6_PKTINFO", Family: sysV6, Value: 1, Why: "the receiving interface of each datagram (RFC 6762 §11 on-link check)"},
}

// sysPacketInfo is the row for the option that reports each datagram's
// receiving interface and destination: without them every datagram is
// dropped as coming from an unknown interface (RFC 6762 §11).
func sysPacketInfo(name string, f sysFamily) sysSockopt {
	return sysSockopt{
		Name: name, Family: f, Value: 1, Via: sysViaPacketInfo,
		Why: "the receiving interface of each datagram (RFC 6762 §11 on-link check)",
	}
}

// sysOptsTTL: RFC 6762 §11 — every mDNS packet leaves with IP TTL / hop
// limit 255 so receivers can tell on-link senders; multicast loopback on,
// so that the host's other mDNS software hears us (and we it).
var sysOptsTTL = []sysSockopt{
	{Name: "IP_MULTICAST_TTL", Family: sysV4, Value: sysTTL, Via: sysViaMulticastTTL, Why: "RFC 6762 §11"},
	{Name: "IP_TTL", Family: sysV4, Value: sysTTL, Via: sysViaTTL, Why: "RFC 6762 §11"},
	{Name: "IP_MULTICAST_LOOP", Family: sysV4, Value: 1, Via: sysViaMulticastLoop, Why: "the host's other mDNS software hears us"},
	{Name: "IPV6_MULTICAST_HOPS", Family: sysV6, Value: sysTTL, Via: sysViaMulticastTTL, Why: "RFC 6762 §11"},
	{Name: "IPV6_UNICAST_HOPS", Family: sysV6, Value: sysTTL, Via: sysViaTTL, Why: "RFC 6762 §11"},
	{Name: "IPV6_MULTICAST_LOOP", Family: sysV6, Value: 1, Via: sysViaMulticastLoop, Why: "the host's other mDNS software hears us"},
}
