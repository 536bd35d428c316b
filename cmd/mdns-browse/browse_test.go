package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"testing/synctest"

	"github.com/mdnskit/mdnskit/internal/cli"
	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

// issue 7: --watch on a terminal is a live table, redrawn on each event.
func TestLiveView(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		link := mdnstest.NewLink(mdnstest.LinkConfig{})
		h1, h2 := link.AddHost("h1"), link.AddHost("h2")
		stop := lanWorld(t, link, h1)
		c := clitest.Case{Args: []string{"--watch", "--service", "_http._tcp", "--service", "_ipp._tcp"}, Interrupt: 4e9}
		stdout, stderr, code := runCase(c, h2, true)
		stop()
		h1.Close()
		h2.Close()
		link.Close()
		if code != 0 || stderr != "" {
			t.Fatalf("exit %d, stderr %q", code, stderr)
		}
		frames := strings.Split(stdout, cli.ClearScreen)
		if len(frames) != 4 || frames[0] != "" {
			t.Fatalf("want 3 frames, one per instance; got %q", stdout)
		}
		last := frames[3]
		for _, want := range []string{"watching _http._tcp, _ipp._tcp in local: 3 instance(s); Ctrl-C to stop\n", "_http._tcp in local\n", "  My Web     h1.local  8080", "  Stage Web  h1.local  8081", `Printer. 2nd floor; "lab"`} {
			if !strings.Contains(last, want) {
				t.Errorf("last frame lacks %q:\n%s", want, last)
			}
		}
	})
}

// avahi-browse -p escaping, checked against what avahi 0.8 printed for the
// same data (avahi-publish -s 'My Web.x\y' with TXT q="x\y and bin=é).
func TestAvahiEscaping(t *testing.T) {
	if got, want := avahiLabel(`My Web.x\y;é`), `My\032Web\.x\\y\059\195\169`; got != want {
		t.Errorf("avahiLabel = %s, want %s", got, want)
	}
	if got, want := avahiTXT([][]byte{[]byte("e="), []byte("flag"), []byte("bin=\xc3\xa9"), []byte(`q="x\y`), {}}), `"e=" "flag" "bin=\195\169" "q=\"x\\y"`; got != want {
		t.Errorf("avahiTXT = %s, want %s", got, want)
	}
	if got := avahiTXT([][]byte{{}}); got != "" {
		t.Errorf("empty TXT record = %q, want nothing, as avahi", got)
	}
}

func TestHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	if code := runWith(context.Background(), []string{"-h"}, &out, &errb, env{}); code != 0 || out.String() != usage || errb.Len() != 0 {
		t.Errorf("--help: exit %d, stdout %d bytes, stderr %q", code, out.Len(), errb.String())
	}
	out.Reset()
	if code := runWith(context.Background(), []string{"--version"}, &out, &errb, env{}); code != 0 || !strings.HasPrefix(out.String(), "mdns-browse devel (go") {
		t.Errorf("--version: exit %d, stdout %q", code, out.String())
	}
	for _, f := range []string{"--service", "--subtype", "--domain", "--all-domains", "--global-domain", "--interface", "--ipv4-only", "--ipv6-only",
		"--timeout", "--watch", "--resolve", "--json", "--parseable", "--help", "--version"} {
		if !strings.Contains(usage, f) {
			t.Errorf("usage does not mention %s", f)
		}
	}
}
