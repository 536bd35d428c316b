// Package testlan builds a real LAN of N hosts for tests: Linux network
// namespaces h1..hN, each joined by a veth pair to a bridge br0, with
// 10.99.0.I/24, fd00:99::I/64 and fe80::ff:fe00:I on interface eI, a
// multicast route, its own host name, and optionally its own dbus-daemon and
// avahi-daemon. Tests run commands on the hosts (foreground or background,
// logs kept for failure messages, everything stopped by pid at cleanup).
//
// # Safety design
//
// The machines mdnskit is developed on sit on a shared network: no test may
// ever send a packet through a real interface. testlan therefore never
// touches the namespaces the test binary was started in.
//
// Run and Loopback re-execute the test binary, restricted to the one calling
// test (-test.run with the anchored, quoted t.Name()), as a child that the
// kernel starts in fresh network, mount and UTS namespaces
// (SysProcAttr.Unshareflags, mount propagation made private). That outer
// half only builds the Go binaries the test needs (inside there is no
// network, not even the module proxy), starts the child, copies its output
// into the test log and sweeps leftovers. It creates no interface, address,
// route, mount or socket.
//
// The inner half does nothing until it has proved where it is: its network
// namespace differs from the outer process's (passed in the environment and
// cross-checked against its parent's /proc entry), its mount namespace
// differs from its parent's, and the only interface it sees is lo. Only then
// does it mount a private tmpfs on /run (so `ip netns` names of parallel
// tests, avahi's pid files and D-Bus sockets cannot clash or leak), build
// the LAN and call the test function. Every command the harness starts runs
// in that namespace or in a host namespace created inside it; the bridge
// namespace is re-checked before every `ip` call. A bug in a test can reach
// at most the LAN's own veth pairs and bridge.
//
// Teardown stops every process it started by pid (SIGTERM, then SIGKILL
// after a grace period), then kills any process still living in one of the
// LAN's network namespaces (found through /proc/PID/ns/net, never by name),
// deletes the namespaces and unmounts /run. The outer half repeats the sweep
// after the child exits, so even a child killed by a timeout leaves nothing
// behind; children also get SIGKILL from the kernel if their parent dies.
//
// Where namespaces cannot be made (not root, not Linux, no `ip` or
// `unshare`, Avahi or tshark missing where needed) the tests skip with a
// message saying why. With MDNS_REQUIRE_LAN=1 they fail instead, so CI
// cannot silently skip them.
//
// # Self
//
// With Options.Self the test process itself joins the LAN as host 254 on
// br0 (10.99.0.254/24, fd00:99::fe/64, fe80::ff:fe00:fe, multicast route via
// br0), so in-process Go code with real sockets can talk to the hosts. The
// test process is still in the isolated bridge namespace; it just gets
// addresses there. Without Self, br0 carries no address at all and the test
// process can reach nothing.
//
// Set MDNS_LAN_OUT=DIR to keep logs and captures under DIR/<test name>
// instead of a temporary directory.
package testlan
