package clitest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Result is what one case printed and how it exited.
type Result struct {
	Stdout, Stderr string
	Exit           int
}

// Run runs every case of the transcripts matching glob as a subtest named
// after its file and case, through run, which executes one case (in
// whatever world the file name calls for). The result must match the
// case; with update, the files are rewritten with the results instead.
func Run(t *testing.T, glob string, update bool, run func(t *testing.T, file string, c Case) Result) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts match %s: %v", glob, err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			cases, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			for i := range cases {
				c := &cases[i]
				t.Run(c.Name(), func(t *testing.T) {
					r := run(t, file, *c)
					if update {
						c.Stdout, c.Stderr, c.Exit = r.Stdout, r.Stderr, r.Exit
						return
					}
					if r.Stdout != c.Stdout || r.Stderr != c.Stderr || r.Exit != c.Exit {
						t.Errorf("%s:%d: $ %s\ngot stdout:\n%sstderr:\n%sexit %d\nwant stdout:\n%sstderr:\n%sexit %d",
							file, c.Line, Join(append([]string{c.Program}, c.Args...)), r.Stdout, r.Stderr, r.Exit, c.Stdout, c.Stderr, c.Exit)
					}
				})
			}
			if update {
				if err := os.WriteFile(file, Format(cases), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}
