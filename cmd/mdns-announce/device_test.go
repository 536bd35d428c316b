package main

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// issue 14: what mdns-announce publishes for a device is what another host
// resolves: the instance on the device's host, with priority and weight,
// the host's addresses, and the address back to the name. A reload that
// changes the device's addresses publishes the new ones and withdraws the
// old.
func TestAnnounceForDevice(t *testing.T) {
	file := filepath.Join(t.TempDir(), "devices.json")
	write := func(s string) {
		if err := os.WriteFile(file, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(`[{"instance":"Office Printer","service":"_ipp._tcp","port":631,"priority":10,"weight":5,
	         "host":"printer","addresses":["10.0.0.9","fe80::9%eth0"]},
	        {"host":"nas","addresses":["10.0.0.5"]}]`)
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer link.Close()
		defer h1.Close()
		defer h2.Close()
		b := browse(t, h1, "_ipp._tcp")
		hup := make(chan os.Signal, 1)
		a := start(h2, hup, "--file", file)
		time.Sleep(5 * time.Second)
		e, ok := b.get("Office Printer._ipp._tcp")
		want := []netip.Addr{netip.MustParseAddr("10.0.0.9"), netip.MustParseAddr("fe80::9%eth0")}
		if !ok || e.Host != "printer.local" || e.Priority != 10 || e.Weight != 5 || !slices.Equal(e.Addrs, want) {
			t.Fatalf("browser sees %+v (%v); want printer.local at %v, priority 10, weight 5", e, ok, want)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if names, err := b.conn.LookupAddr(ctx, netip.MustParseAddr("10.0.0.5")); err != nil || !slices.Equal(names, []string{"nas.local"}) {
			t.Errorf("LookupAddr(10.0.0.5) = %v, %v", names, err)
		}

		write(`[{"instance":"Office Printer","service":"_ipp._tcp","port":631,"priority":10,"weight":5,
		         "host":"printer","addresses":["10.0.0.19"]},
		        {"host":"nas","addresses":["10.0.0.5"]}]`)
		hup <- os.Interrupt
		time.Sleep(5 * time.Second)
		if e, _ := b.get("Office Printer._ipp._tcp"); !slices.Equal(e.Addrs, []netip.Addr{netip.MustParseAddr("10.0.0.19")}) {
			t.Errorf("after the reload the browser sees %v, want 10.0.0.19 alone", e.Addrs)
		}
		if code := a.stop(t); code != 0 {
			t.Errorf("exit %d; stderr %s", code, a.stderr.String())
		}
		out := a.stdout.String()
		for _, want := range []string{`registered host "nas.local" at 10.0.0.5`, `deregistered "Office Printer"`, `on host "printer.local" at 10.0.0.19`} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}

// A device's host name lost to a late conflict (RFC 6762 §9) is renamed
// and the new name printed, as for a service (TestLateRename): two
// announcers publish the address records of "nas" while the link is cut;
// when it heals, h2 rejoins, probes again and loses.
func TestLateHostRename(t *testing.T) {
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "h1.json"), filepath.Join(dir, "h2.json")}
	for i, f := range files {
		if err := os.WriteFile(f, []byte(`[{"host":"nas","addresses":["10.0.0.`+string(rune('5'+i))+`"]}]`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		defer link.Close()
		defer h1.Close()
		defer h2.Close()
		link.SetFaults(mdnstest.Faults{Loss: 1})
		a1 := start(h1, nil, "--file", files[0], "--json")
		a2 := start(h2, nil, "--file", files[1], "--json")
		time.Sleep(5 * time.Second)
		link.SetFaults(mdnstest.Faults{})
		rejoin(t, h2)
		time.Sleep(10 * time.Second)
		a1.stop(t)
		a2.stop(t)
		out := a1.stdout.String() + a2.stdout.String()
		if strings.Count(out, `"event":"registered","host":"nas.local"`) != 2 {
			t.Fatalf("both should have registered nas while cut off:\n%s", out)
		}
		if !strings.Contains(a2.stdout.String(), `"event":"renamed","host":"nas-2.local"`) ||
			!strings.Contains(a2.stdout.String(), `"old":"nas.local","new":"nas-2.local"}`) {
			t.Errorf("no host rename printed:\n%s", out)
		}
	})
}
