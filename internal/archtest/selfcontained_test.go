package archtest

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The repository explains itself: no file of it may send a reader to
// something outside it — the workspace it was developed in, or notes that
// were never committed. What the project needs of such notes is written in
// its own words under docs/.
func TestNoReferencesOutsideTheRepository(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	// Built from parts, so that this file does not match itself.
	outside := regexp.MustCompile(strings.Join([]string{
		`\.\./` + `shared`,
		`/work/` + `(shared|wt|main)`,
		`reference/` + `[a-z-]+\.(md|json)`,
		`shared/` + `DESIGN`,
	}, "|"))
	checked := 0
	err = filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == ".git" || name == "node_modules" {
				return filepath.SkipDir
			}
			return nil
		}
		if !textFile(path) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range bytes.Split(b, []byte("\n")) {
			if m := outside.Find(line); m != nil {
				rel, _ := filepath.Rel(root, path)
				t.Errorf("%s:%d refers to %q, outside the repository", rel, i+1, m)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d files under %s: not the repository?", checked, root)
	}
}

// textFile reports whether path is a file people read: source, docs,
// scripts, test data described in text.
func textFile(path string) bool {
	switch filepath.Ext(path) {
	case ".go", ".md", ".txt", ".json", ".sh", ".py", ".mod", ".yaml", ".yml", ".toml":
		return true
	case "":
		// Scripts without an extension (test.sh's siblings, .ci/run).
		b, err := os.ReadFile(path)
		return err == nil && bytes.HasPrefix(b, []byte("#!"))
	}
	return false
}
