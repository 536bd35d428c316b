package gokit_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-kit/kit/endpoint"
	"github.com/go-kit/kit/sd"
	"github.com/go-kit/kit/sd/lb"
	"github.com/go-kit/log"
	"github.com/mdnskit/mdnskit/adapters/gokit"
	"github.com/mdnskit/mdnskit/domains"
	"github.com/mdnskit/mdnskit/internal/testlan"
)

// go-kit's client chain — sd.NewEndpointer and lb.NewRoundRobin over this
// package's Instancer — in the test process on a virtual LAN, and three
// HTTP servers announced through the Registrar on h1..h3: requests go to
// all three in turn; one server says goodbye (and keeps answering), and
// within 2 s no request goes to it any more.
func TestLANEndpointerRoundRobin(t *testing.T) {
	opts := testlan.Options{Hosts: 3, Self: true, Binaries: []string{"./internal/httppeer"}}
	testlan.Run(t, opts, func(t *testing.T, lan *testlan.LAN) {
		bin := lan.Bin("httppeer")
		var servers []*testlan.Proc
		for _, h := range lan.Hosts() {
			p := h.Start(t, bin, "-service", "echo", "-linger", "6s")
			servers = append(servers, p)
		}
		for _, p := range servers {
			if !p.WaitOutput(15*time.Second, `"registered":true`) {
				t.Fatalf("server did not register:\n%s", p.Output())
			}
		}

		reg, err := domains.New(domains.Config{Logf: t.Logf})
		if err != nil {
			t.Fatal(err)
		}
		defer reg.Close()
		logger := log.LoggerFunc(func(kv ...any) error { t.Log(kv...); return nil })
		instancer := gokit.NewInstancer(reg, logger, "echo")
		defer instancer.Stop()
		changes := watchInstances(instancer)
		defer changes.stop()

		client := &http.Client{Timeout: time.Second}
		factory := func(instance string) (endpoint.Endpoint, io.Closer, error) {
			return func(ctx context.Context, _ any) (any, error) {
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+instance+"/", nil)
				if err != nil {
					return nil, err
				}
				rsp, err := client.Do(req)
				if err != nil {
					return nil, err
				}
				defer rsp.Body.Close()
				b, err := io.ReadAll(rsp.Body)
				return string(b), err
			}, nil, nil
		}
		endpointer := sd.NewEndpointer(instancer, factory, logger)
		defer endpointer.Close()
		balancer := lb.NewRoundRobin(endpointer)
		call := func() string {
			ep, err := balancer.Endpoint()
			if err != nil {
				t.Fatalf("no endpoint: %v", err)
			}
			got, err := ep(context.Background(), nil)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			return got.(string)
		}

		// NewInstancer returned with all three; go-kit's endpointer takes
		// them in a goroutine of its own, a moment later.
		deadline := time.Now().Add(time.Second)
		for eps, _ := endpointer.Endpoints(); len(eps) != 3; eps, _ = endpointer.Endpoints() {
			if time.Now().After(deadline) {
				t.Fatalf("%d endpoints a second after NewInstancer returned, want 3 (instances %q)", len(eps), changes.latest())
			}
			time.Sleep(10 * time.Millisecond)
		}
		counts := map[string]int{}
		for range 30 {
			counts[call()]++
		}
		if len(counts) != 3 || counts["h1"] != 10 || counts["h2"] != 10 || counts["h3"] != 10 {
			t.Fatalf("30 requests went %v, want 10 to each of h1, h2, h3", counts)
		}

		if err := servers[1].Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if !servers[1].WaitOutput(5*time.Second, `"goodbye"`) {
			t.Fatalf("h2 said no goodbye:\n%s", servers[1].Output())
		}
		var bye struct{ Goodbye int64 }
		for _, line := range strings.Split(servers[1].Output(), "\n") {
			if strings.Contains(line, `"goodbye"`) {
				json.Unmarshal([]byte(line), &bye)
			}
		}
		goodbye := time.Unix(0, bye.Goodbye)
		var lastH2 time.Time
		after := map[string]int{}
		for end := time.Now().Add(4 * time.Second); time.Now().Before(end); {
			host := call()
			if host == "h2" {
				lastH2 = time.Now()
			} else if d := time.Since(goodbye); d > 2*time.Second {
				after[host]++
			}
			time.Sleep(20 * time.Millisecond)
		}
		d := lastH2.Sub(goodbye)
		if d >= 2*time.Second {
			t.Errorf("requests went to h2 until %v after its goodbye, want < 2s", d)
		}
		if after["h1"] == 0 || after["h3"] == 0 || after["h2"] != 0 {
			t.Errorf("from 2 s after h2's goodbye, requests went %v, want h1 and h3 only", after)
		}
		t.Logf("last request to h2 %v after its goodbye; instances then: %s", d.Round(time.Millisecond), changes.describe(goodbye))
	})
}

// instanceLog is a plain subscriber of the Instancer, noting when each
// set arrived.
type instanceLog struct {
	ch   chan sd.Event
	i    *gokit.Instancer
	mu   sync.Mutex
	evs  []sd.Event
	at   []time.Time
	done chan struct{}
}

func watchInstances(i *gokit.Instancer) *instanceLog {
	l := &instanceLog{ch: make(chan sd.Event), i: i, done: make(chan struct{})}
	go func() {
		defer close(l.done)
		for ev := range l.ch {
			l.mu.Lock()
			l.evs, l.at = append(l.evs, ev), append(l.at, time.Now())
			l.mu.Unlock()
		}
	}()
	i.Register(l.ch)
	return l
}

func (l *instanceLog) stop() {
	l.i.Deregister(l.ch)
	close(l.ch)
	<-l.done
}

func (l *instanceLog) latest() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.evs[len(l.evs)-1].Instances)
}

// describe lists the sets that came after t, with their delay.
func (l *instanceLog) describe(t time.Time) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var parts []string
	for k, ev := range l.evs {
		if l.at[k].After(t) {
			parts = append(parts, fmt.Sprintf("+%v %q", l.at[k].Sub(t).Round(time.Millisecond), ev.Instances))
		}
	}
	return strings.Join(parts, ", ")
}
