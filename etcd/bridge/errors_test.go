package bridge

import (
	"errors"
	"testing"
)

// ErrInvalidConfig is a contract: each row provokes it through New.
func TestErrorsAreSentinels(t *testing.T) {
	target := &memTarget{nodes: map[string]string{}}
	for _, tc := range []struct {
		name string
		cfg  Config
	}{
		{"no Target", Config{Links: []Link{{Name: "eth0", Source: &feedSource{}}}, Site: "berlin"}},
		{"no Links", Config{Target: target, Site: "berlin"}},
		{"no Site", Config{Target: target, Links: []Link{{Name: "eth0", Source: &feedSource{}}}}},
		{"link without Source", Config{Target: target, Links: []Link{{Name: "eth0"}}, Site: "berlin"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := New(tc.cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("New: %v, want one wrapping ErrInvalidConfig", err)
			}
		})
	}
}
