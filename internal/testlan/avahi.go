package testlan

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const dbusConf = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_type="method_call"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
`

// avahiConfig renders avahi-daemon.conf for host h: only its own
// interface, the LAN's address families, no wide-area, no rate limit that
// could slow tests. settings (KEY=VALUE) replace existing keys; an unknown
// key is an error, so a typo cannot silently test the default.
func avahiConfig(name, iface string, v4, v6 bool, settings []string) (string, error) {
	yn := map[bool]string{true: "yes", false: "no"}
	lines := []string{
		"[server]",
		"host-name=" + name,
		"domain-name=local",
		"use-ipv4=" + yn[v4],
		"use-ipv6=" + yn[v6],
		"allow-interfaces=" + iface,
		"enable-dbus=yes",
		"ratelimit-interval-usec=1000000",
		"ratelimit-burst=1000",
		"[wide-area]",
		"enable-wide-area=no",
		"[publish]",
		"disable-publishing=no",
		"publish-addresses=yes",
		"publish-hinfo=no",
		"publish-workstation=no",
		"publish-domain=yes",
		"publish-aaaa-on-ipv4=yes",
		"publish-a-on-ipv6=no",
		"[reflector]",
		"enable-reflector=no",
		"[rlimits]",
	}
	for _, kv := range settings {
		key, _, ok := strings.Cut(kv, "=")
		found := false
		for i, l := range lines {
			if ok && key != "" && strings.HasPrefix(l, key+"=") {
				lines[i], found = kv, true
			}
		}
		if !found {
			return "", fmt.Errorf("testlan: unknown or malformed avahi setting %q", kv)
		}
	}
	return strings.Join(lines, "\n") + "\n", nil
}

// avahiScript gives avahi-daemon a private /run/avahi-daemon (pid file,
// socket) and this host's services directory, in the mount namespace the
// host's command already has, then becomes the daemon.
const avahiScript = `mount -t tmpfs none /run/avahi-daemon &&
mount --bind "$1/services" /etc/avahi/services &&
exec avahi-daemon -f "$1/avahi.conf" --no-drop-root --no-chroot --no-rlimits`

// StartAvahi starts a dbus-daemon and an avahi-daemon on the host, with
// KEY=VALUE settings overriding avahi-daemon.conf, and waits for "Server
// startup complete" (failing fast with the daemon's log). Both are stopped
// when t ends; avahi first, so it can send its goodbyes. Without
// avahi-daemon or dbus-daemon installed the test skips (fails under
// MDNS_REQUIRE_LAN=1).
func (h *Host) StartAvahi(t *testing.T, settings ...string) {
	t.Helper()
	needTools(t, "StartAvahi", "avahi-daemon", "dbus-daemon")
	h.avahiMu.Lock()
	defer h.avahiMu.Unlock()
	if h.avahi != nil && !h.avahi.Exited() {
		t.Fatalf("testlan: avahi already runs on %s", h.Name)
	}
	if _, err := os.Stat("/etc/avahi/services"); err != nil {
		SkipOrFail(t, "testlan: StartAvahi needs /etc/avahi/services: %v", err)
	}
	conf, err := avahiConfig(h.Name, strings.Join(h.Interfaces(), ","), h.IPv4.IsValid(), h.LinkLocal.IsValid(), settings)
	if err != nil {
		t.Fatal(err)
	}
	dir := h.stateDir()
	sock := filepath.Join(dir, "dbus.sock")
	if err := os.MkdirAll(filepath.Join(dir, "services"), 0o755); err != nil {
		t.Fatal(err)
	}
	_ = os.Remove(sock)
	for name, content := range map[string]string{"dbus.conf": fmt.Sprintf(dbusConf, sock), "avahi.conf": conf} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	dbus := h.start(t, 2*time.Second, "dbus-daemon", "dbus-daemon", "--config-file="+filepath.Join(dir, "dbus.conf"), "--nofork", "--nopidfile")
	if !waitFor(5*time.Second, dbus, func() bool { fi, err := os.Stat(sock); return err == nil && fi.Mode()&os.ModeSocket != 0 }) {
		dbus.showTail(t)
		t.Fatalf("testlan: dbus-daemon on %s did not create %s", h.Name, sock)
	}
	// avahi gets more grace than the default: on SIGTERM it sends goodbyes.
	daemon := h.start(t, 5*time.Second, "avahi-daemon", "/bin/sh", "-c", avahiScript, "avahi", dir)
	if !daemon.WaitOutput(15*time.Second, "Server startup complete") {
		daemon.showTail(t)
		t.Fatalf("testlan: avahi-daemon on %s did not start", h.Name)
	}
	h.avahi, h.dbus = daemon, dbus
}

// StopAvahi stops the host's avahi-daemon (SIGTERM: it sends its goodbyes
// first) and its dbus-daemon, and waits for both; StartAvahi may start
// them again. It does nothing if avahi does not run.
func (h *Host) StopAvahi(t *testing.T) {
	t.Helper()
	h.avahiMu.Lock()
	defer h.avahiMu.Unlock()
	if h.avahi == nil || h.avahi.Exited() {
		return
	}
	if err := h.avahi.Stop(syscall.SIGTERM, 5*time.Second); err != nil && !h.avahi.Exited() {
		t.Fatalf("testlan: stop avahi-daemon on %s: %v", h.Name, err)
	}
	_ = h.dbus.Stop(syscall.SIGTERM, 2*time.Second)
}

// AvahiService installs an avahi .service file (XML) called name on the
// host, and makes a running avahi-daemon reload its services.
func (h *Host) AvahiService(t *testing.T, name, xml string) {
	t.Helper()
	dir := filepath.Join(h.stateDir(), "services")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, safeName(name)+".service"), []byte(xml), 0o644); err != nil {
		t.Fatal(err)
	}
	h.avahiMu.Lock()
	defer h.avahiMu.Unlock()
	if h.avahi != nil && !h.avahi.Exited() {
		if err := h.avahi.Signal(syscall.SIGHUP); err != nil {
			t.Fatalf("testlan: reload avahi on %s: %v", h.Name, err)
		}
	}
}

// waitFor polls cond until it holds (true), timeout passes or p exits.
func waitFor(timeout time.Duration, p *Proc, cond func() bool) bool {
	for end := time.Now().Add(timeout); ; {
		if cond() {
			return true
		}
		if p.Exited() || time.Now().After(end) {
			return cond()
		}
		time.Sleep(20 * time.Millisecond)
	}
}
