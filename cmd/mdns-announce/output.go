package main

import (
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/mdnskit/mdnskit/internal/cli"
)

// event is one line of --json output (README.md has the schema).
type event struct {
	Event    string `json:"event"` // registered, renamed, updated, deregistered
	Instance string `json:"instance,omitempty"`
	Service  string `json:"service,omitempty"`
	Domain   string `json:"domain,omitempty"`
	Port     uint16 `json:"port,omitempty"`
	// Host and Addrs: the device published for (--host with --address):
	// the SRV target of a service, or the host alone.
	Host      string   `json:"host,omitempty"`
	Addrs     []string `json:"addrs,omitempty"`
	Requested string   `json:"requested,omitempty"` // registered: the name asked for, when it was taken
	Old       string   `json:"old,omitempty"`       // renamed
	New       string   `json:"new,omitempty"`       // renamed
	Mirror    string   `json:"mirror,omitempty"`    // the global domain it is mirrored into
}

// output writes events to stdout, as text or JSON lines; it is safe for
// concurrent use (registrations complete in parallel).
type output struct {
	mu   sync.Mutex
	w    io.Writer
	json bool
	jl   *cli.JSONLines
}

func newOutput(w io.Writer, asJSON bool) *output {
	return &output{w: w, json: asJSON, jl: cli.NewJSONLines(w)}
}

func (o *output) write(ev event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.json {
		o.jl.Write(ev)
		return
	}
	where := fmt.Sprintf("%s.%s", ev.Service, ev.Domain)
	var line string
	switch {
	case ev.Service == "": // a host alone
		line = o.hostLine(ev)
	default:
		line = o.serviceLine(ev, where)
	}
	fmt.Fprintln(o.w, line)
}

// hostLine is the text of an event about a host published alone.
func (o *output) hostLine(ev event) string {
	switch ev.Event {
	case "registered":
		line := fmt.Sprintf("registered host %q at %s", ev.Host, strings.Join(ev.Addrs, " "))
		if ev.Requested != "" {
			line += fmt.Sprintf(", renamed from %q (name in use)", ev.Requested)
		}
		return line
	case "renamed":
		return fmt.Sprintf("renamed host %q to %q (name conflict)", ev.Old, ev.New)
	}
	return fmt.Sprintf("deregistered host %q", ev.Host)
}

// serviceLine is the text of an event about a service.
func (o *output) serviceLine(ev event, where string) string {
	var line string
	switch e := ev.Event; {
	case e == "registered":
		line = fmt.Sprintf("registered %q on %s port %d", ev.Instance, where, ev.Port)
		if ev.Requested != "" {
			line += fmt.Sprintf(", renamed from %q (name in use)", ev.Requested)
		}
		if ev.Mirror != "" {
			line += ", mirrored into " + ev.Mirror
		}
		if ev.Host != "" {
			line += fmt.Sprintf(", on host %q at %s", ev.Host, strings.Join(ev.Addrs, " "))
		}
	case e == "renamed" && ev.Host != "":
		line = fmt.Sprintf("renamed host %q of %q to %q (name conflict)", ev.Old, ev.Instance, ev.New)
	case e == "renamed":
		line = fmt.Sprintf("renamed %q to %q on %s (name conflict)", ev.Old, ev.New, where)
	case e == "updated":
		line = fmt.Sprintf("updated %q on %s port %d", ev.Instance, where, ev.Port)
	case e == "deregistered":
		line = fmt.Sprintf("deregistered %q on %s", ev.Instance, where)
	}
	return line
}
