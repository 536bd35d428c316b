package testlan

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// stateDir is the directory the outer process creates for one inner
// process: the inner records the namespaces it creates (so the outer can
// sweep them if the inner dies) and its result.
type stateDir struct {
	path string
	mu   sync.Mutex
}

const (
	stateNS       = "netns"    // one namespace identity per line
	stateResult   = "result"   // "pass", "fail" or "skip"
	stateSkip     = "skip"     // reason of a harness skip
	stateTornDown = "torndown" // exists once the inner finished teardown
)

func (s *stateDir) file(name string) string { return filepath.Join(s.path, name) }

func (s *stateDir) appendNS(ns string) error {
	if s == nil || s.path == "" {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.OpenFile(s.file(stateNS), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("testlan: %w", err)
	}
	_, err = fmt.Fprintln(f, ns)
	return errors.Join(err, f.Close())
}

func (s *stateDir) write(name, content string) {
	if s == nil || s.path == "" {
		return
	}
	_ = os.WriteFile(s.file(name), []byte(content), 0o600)
}

func (s *stateDir) read(name string) (string, bool) {
	b, err := os.ReadFile(s.file(name))
	return strings.TrimSpace(string(b)), err == nil
}

func (s *stateDir) namespaces() []string {
	b, _ := os.ReadFile(s.file(stateNS))
	return strings.Fields(string(b))
}

// inner is the state of this process when it is an inner process; nil in
// the outer one.
var inner *stateDir

// noteSkip records a harness skip reason so the outer process can repeat it.
func noteSkip(reason string) {
	if inner != nil {
		inner.write(stateSkip, reason)
	}
}
