// Command httppeer is the HTTP server and client of the LAN test of
// mdns.Dialer (issue 14):
//
//	httppeer serve ADDR       answer every request with "hello from HOST"
//	httppeer get URL ...      fetch each URL with net/http, dialing through
//	                          mdns.Dialer; print one JSON line per URL:
//	                          {"url":...,"status":200,"body":...,"ms":12.3}
//	                          or {"url":...,"error":...}
//
// The client shows what the library promises a Go program: http.Get of a
// .local name works, and other names and literals go where they always
// went. It exits 1 if a fetch failed.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/mdnskit/mdnskit/mdns"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: httppeer serve ADDR | httppeer get URL...")
		os.Exit(2)
	}
	switch os.Args[1] {
	case "serve":
		host, _ := os.Hostname()
		err := http.ListenAndServe(os.Args[2], http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprintf(w, "hello from %s", host)
		}))
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	case "get":
		os.Exit(get(os.Args[2:]))
	}
	os.Exit(2)
}

type line struct {
	URL    string  `json:"url"`
	Status int     `json:"status,omitempty"`
	Body   string  `json:"body,omitempty"`
	MS     float64 `json:"ms"`
	Error  string  `json:"error,omitempty"`
}

func get(urls []string) int {
	d := &mdns.Dialer{}
	defer d.Close()
	client := &http.Client{Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}, Timeout: 10 * time.Second}
	code := 0
	enc := json.NewEncoder(os.Stdout)
	for _, u := range urls {
		start := time.Now()
		l := line{URL: u}
		resp, err := client.Get(u)
		if err == nil {
			var body []byte
			body, err = io.ReadAll(resp.Body)
			resp.Body.Close()
			l.Status, l.Body = resp.StatusCode, string(body)
		}
		l.MS = float64(time.Since(start).Microseconds()) / 1000
		if err != nil {
			l.Error, code = err.Error(), 1
		}
		enc.Encode(l)
	}
	return code
}
