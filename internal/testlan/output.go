package testlan

import (
	"bytes"
	"io"
	"strings"
	"sync"
)

// innerWriter copies the inner process's output into the outer test's
// output line by line. It drops the inner binary's own framing (=== RUN,
// the final PASS) and disguises its --- PASS/FAIL lines, which tools that
// parse `go test` output would otherwise take for the outer test's result.
type innerWriter struct {
	w   io.Writer
	mu  sync.Mutex
	buf []byte
}

func (iw *innerWriter) Write(p []byte) (int, error) {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	iw.buf = append(iw.buf, p...)
	for {
		i := bytes.IndexByte(iw.buf, '\n')
		if i < 0 {
			break
		}
		iw.line(string(iw.buf[:i]))
		iw.buf = iw.buf[i+1:]
	}
	return len(p), nil
}

func (iw *innerWriter) flush() {
	iw.mu.Lock()
	defer iw.mu.Unlock()
	if len(iw.buf) > 0 {
		iw.line(string(iw.buf))
		iw.buf = nil
	}
}

func (iw *innerWriter) line(l string) {
	if out, keep := innerLine(l); keep {
		_, _ = io.WriteString(iw.w, out+"\n")
	}
}

// innerLine maps one line of the inner output to what the outer shows.
func innerLine(l string) (string, bool) {
	trim := strings.TrimSpace(l)
	switch {
	case trim == "PASS", trim == "FAIL", strings.HasPrefix(trim, "testing: warning: no tests to run"):
		return "", false
	case strings.HasPrefix(trim, "=== RUN"), strings.HasPrefix(trim, "=== PAUSE"),
		strings.HasPrefix(trim, "=== CONT"), strings.HasPrefix(trim, "=== NAME"):
		return "", false
	case strings.HasPrefix(trim, "--- "):
		return "[in namespace] " + trim, true
	}
	return l, true
}
