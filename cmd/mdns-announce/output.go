package main

import (
	"fmt"
	"io"
	"sync"

	"github.com/mdnskit/mdnskit/internal/cli"
)

// event is one line of --json output (README.md has the schema).
type event struct {
	Event     string `json:"event"` // registered, renamed, updated, deregistered
	Instance  string `json:"instance"`
	Service   string `json:"service"`
	Domain    string `json:"domain"`
	Port      uint16 `json:"port"`
	Requested string `json:"requested,omitempty"` // registered: the name asked for, when it was taken
	Old       string `json:"old,omitempty"`       // renamed
	New       string `json:"new,omitempty"`       // renamed
	Mirror    string `json:"mirror,omitempty"`    // the global domain it is mirrored into
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
	switch ev.Event {
	case "registered":
		line = fmt.Sprintf("registered %q on %s port %d", ev.Instance, where, ev.Port)
		if ev.Requested != "" {
			line += fmt.Sprintf(", renamed from %q (name in use)", ev.Requested)
		}
		if ev.Mirror != "" {
			line += ", mirrored into " + ev.Mirror
		}
	case "renamed":
		line = fmt.Sprintf("renamed %q to %q on %s (name conflict)", ev.Old, ev.New, where)
	case "updated":
		line = fmt.Sprintf("updated %q on %s port %d", ev.Instance, where, ev.Port)
	case "deregistered":
		line = fmt.Sprintf("deregistered %q on %s", ev.Instance, where)
	}
	fmt.Fprintln(o.w, line)
}
