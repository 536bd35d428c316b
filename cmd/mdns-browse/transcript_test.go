package main

import (
	"bytes"
	"context"
	"flag"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/cli/clitest"
	"github.com/mdnskit/mdnskit/mdns"
	"github.com/mdnskit/mdnskit/mdns/mdnstest"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/ with the output seen")

// worlds maps a transcript file (testdata/NAME.txt) to what h1 publishes
// before mdns-browse runs on h2.
var worlds = map[string]clitest.World{
	"browse":   lanWorld,
	"formats":  lanWorld,
	"registry": lanWorld,
	"usage":    clitest.Empty,
}

// lanWorld is h1 publishing a web server, a printer with an awkward name,
// a web server in domain staging (and its mirror in local) and, through a
// registry, a go-micro style service in domain dev (and its mirror in
// local).
func lanWorld(t *testing.T, link *mdnstest.Link, h1 *mdnstest.Host) func() {
	t.Helper()
	conn, err := mdns.Listen(mdns.Config{Network: h1, Rand: rand.New(rand.NewPCG(1, 1))})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, s := range []mdns.Service{
		{Instance: "My Web", Type: "_http._tcp", Port: 8080, Text: [][]byte{[]byte("path=/"), []byte("empty="), []byte("flag"), []byte("path=/ignored")}},
		{Instance: "Printer. 2nd floor; \"lab\"", Type: "_ipp._tcp", Port: 631, Text: [][]byte{[]byte("txtvers=1"), []byte("rp=ipp/print"), []byte("note=caf\xc3\xa9\\")}},
	} {
		if _, err := conn.Register(ctx, s); err != nil {
			t.Fatalf("register %q: %v", s.Instance, err)
		}
	}
	reg, err := domains.New(domains.Config{Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	greeter := &domains.Service{
		Name:    "greeter",
		Version: "1.2.0",
		Endpoints: []*domains.Endpoint{{
			Name:     "Greeter.Hello",
			Request:  &domains.Value{Name: "Request", Type: "Request", Values: []*domains.Value{{Name: "name", Type: "string"}}},
			Response: &domains.Value{Name: "Response", Type: "Response", Values: []*domains.Value{{Name: "msg", Type: "string"}}},
		}},
		Nodes: []*domains.Node{{Id: "greeter-1", Address: ":9090", Metadata: map[string]string{"region": "eu"}}},
	}
	if err := reg.Register(ctx, "dev", greeter); err != nil {
		t.Fatalf("registry: %v", err)
	}
	stage := mdns.Service{Instance: "Stage Web", Type: "_http._tcp", Port: 8081, Text: [][]byte{[]byte("path=/s")}}
	if _, err := reg.Publish(ctx, "staging", stage); err != nil {
		t.Fatalf("publish %q: %v", stage.Instance, err)
	}
	// The same node in go-micro's wire layout: domain micro, mirror global.
	micro, err := domains.New(domains.Config{Flavour: domains.Micro, Conn: conn})
	if err != nil {
		t.Fatal(err)
	}
	greeter.Name = "go.micro.srv.greeter"
	if err := micro.Register(ctx, "", greeter); err != nil {
		t.Fatalf("micro registry: %v", err)
	}
	return func() {
		micro.Close()
		reg.Close()
		conn.Close()
	}
}

// runCase runs one transcript block on host h and returns what it printed.
func runCase(c clitest.Case, h *mdnstest.Host, terminal bool) clitest.Result {
	var out, errb bytes.Buffer
	ctx, cancel := clitest.Context(c)
	defer cancel()
	e := env{
		network:    h,
		configure:  func(cfg *mdns.Config) { cfg.Rand = rand.New(rand.NewPCG(2, 2)) },
		isTerminal: func(io.Writer) bool { return terminal },
	}
	code := runWith(ctx, c.Args, &out, &errb, e)
	return clitest.Result{Stdout: out.String(), Stderr: errb.String(), Exit: code}
}

// TestTranscripts runs the golden transcripts in testdata/ against a
// simulated link (issue 7: mdns-browse output formats, flags, exits).
func TestTranscripts(t *testing.T) {
	clitest.RunOnLink(t, "testdata/*.txt", *update, worlds, func(c clitest.Case, h2 *mdnstest.Host) clitest.Result {
		return runCase(c, h2, false)
	})
}
