package mdns_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
	"github.com/miekg/dns"
)

// issue 14: one BrowseMany call follows several types; a query given
// twice is followed once (one add, not two); each event names its type.
func TestBrowseMany(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		e := newEnv(t, both)
		ctx, cancel := context.WithCancel(context.Background())
		var mu sync.Mutex
		var got []string
		done := make(chan error, 1)
		go func() {
			done <- e.c.BrowseMany(ctx, []mdns.BrowseQuery{{Type: "_http._tcp"}, {Type: "_ipp._tcp"}, {Type: "_http._tcp."}},
				func(ev mdns.BrowseEvent) error {
					mu.Lock()
					got = append(got, ev.Kind.String()+" "+ev.Entry.Instance+" "+ev.Entry.Type)
					mu.Unlock()
					return nil
				})
		}()
		time.Sleep(200 * time.Millisecond) // the first query: 20–120 ms (RFC 6762 §5.2)
		if n := len(e.asking("_http._tcp.local.", dns.TypePTR)); n != 1 {
			t.Errorf("%d first queries for _http._tcp, want 1", n)
		}
		if n := len(e.asking("_ipp._tcp.local.", dns.TypePTR)); n != 1 {
			t.Errorf("%d first queries for _ipp._tcp, want 1", n)
		}
		respond(t, e.link, peer4, serviceRRs("Web", 80, 4500)...)
		ipp := "Printer._ipp._tcp.local."
		respond(t, e.link, peer4, ptrRR("_ipp._tcp.local.", ipp, 4500), srvRR(ipp, "web.local.", 631, 120), txtRR(ipp, 4500, "rp=x"),
			aRR("web.local.", "10.0.0.5", 120, true))
		synctest.Wait()
		cancel()
		if err := <-done; !errors.Is(err, context.Canceled) {
			t.Errorf("BrowseMany returned %v", err)
		}
		slices.Sort(got)
		want := []string{"add Printer _ipp._tcp", "add Web _http._tcp"}
		if !slices.Equal(got, want) {
			t.Errorf("events %q, want %q", got, want)
		}
		if err := e.c.BrowseMany(context.Background(), nil, nil); !errors.Is(err, mdns.ErrInvalidName) {
			t.Errorf("BrowseMany of nothing: %v", err)
		}
		if err := e.c.BrowseMany(context.Background(), []mdns.BrowseQuery{{Type: "_http._tcp"}, {Type: "bad..type"}}, nil); !errors.Is(err, mdns.ErrInvalidName) {
			t.Errorf("BrowseMany with a bad type: %v", err)
		}
	})
}
