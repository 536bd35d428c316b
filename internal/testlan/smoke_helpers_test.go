package testlan_test

import (
	"fmt"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mdnskit/mdnskit/internal/testlan"
)

const mcastcheck = "./internal/testlan/internal/mcastcheck" // module-relative

// checkMulticast sends one datagram from host `from` to the mDNS group of
// family and checks that host `to` receives it on its own interface, from
// port 5353 of the sender's address, with TTL 255.
func checkMulticast(t *testing.T, lan *testlan.LAN, from, to *testlan.Host, family int) {
	t.Helper()
	bin := lan.Bin("mcastcheck")
	fam := fmt.Sprint(family)
	rx := to.Start(t, bin, "recv", "-family", fam, "-iface", to.Iface, "-timeout", "5s")
	if !rx.WaitOutput(5*time.Second, "listening") {
		t.Fatalf("receiver on %s did not start:\n%s", to.Name, rx.Output())
	}
	payload := fmt.Sprintf("v%d from %s", family, from.Name)
	if out, err := from.Run(t, 5*time.Second, bin, "send", "-family", fam, "-iface", from.Iface, "-data", payload); err != nil {
		t.Fatalf("send: %v\n%s", err, out)
	}
	if err := rx.Wait(6 * time.Second); err != nil {
		t.Fatalf("receiver on %s: %v\n%s", to.Name, err, rx.Output())
	}
	src, dst := net.JoinHostPort(from.IPv4.String(), "5353"), "224.0.0.251"
	if family == 6 {
		src, dst = net.JoinHostPort(from.LinkLocal.String()+"%"+to.Iface, "5353"), "ff02::fb"
	}
	want := fmt.Sprintf("recv family=%d iface=%s src=%s dst=%s ttl=255 data=%q", family, to.Iface, src, dst, payload)
	if got := rx.Output(); !strings.Contains(got, want) {
		t.Errorf("%s got:\n%s\nwant a line:\n%s", to.Name, got, want)
	}
}

var testlanSigterm os.Signal = syscall.SIGTERM
