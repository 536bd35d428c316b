package testlan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
)

// ErrBuild is wrapped by every failure to build Options.Binaries.
var ErrBuild = errors.New("testlan: build")

// buildStep is one `go build -o Out/Name Target` run in Dir.
type buildStep struct {
	Spec   string // as given in Options.Binaries
	Dir    string
	Target string
	Name   string
}

var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// planBuild turns Options.Binaries into build steps. modRoot is the main
// module's directory; relative paths ("./cmd/x") are taken from it. A
// directory with its own go.mod is built from inside that directory.
func planBuild(modRoot string, specs []string) ([]buildStep, error) {
	var steps []buildStep
	seen := map[string]string{}
	for _, spec := range specs {
		var st buildStep
		local := strings.HasPrefix(spec, "./") || strings.HasPrefix(spec, "../") || filepath.IsAbs(spec)
		if local {
			dir := spec
			if !filepath.IsAbs(dir) {
				if modRoot == "" {
					return nil, fmt.Errorf("%w: %q is relative but there is no main module", ErrBuild, spec)
				}
				dir = filepath.Join(modRoot, dir)
			}
			dir = filepath.Clean(dir)
			if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
				return nil, fmt.Errorf("%w: %q is not a directory", ErrBuild, spec)
			}
			st.Name = filepath.Base(dir)
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				st.Dir, st.Target = dir, "."
			} else {
				rel, err := filepath.Rel(modRoot, dir)
				if modRoot == "" || err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
					return nil, fmt.Errorf("%w: %q is outside the main module and has no go.mod", ErrBuild, spec)
				}
				st.Dir, st.Target = modRoot, "./"+filepath.ToSlash(rel)
			}
		} else {
			st.Dir, st.Target = modRoot, spec
			st.Name = path.Base(spec)
			if majorVersion.MatchString(st.Name) && strings.Count(spec, "/") > 0 {
				st.Name = path.Base(path.Dir(spec)) // example.com/x/v2 builds "x"
			}
		}
		if st.Target == "" || st.Name == "." || st.Name == "/" {
			return nil, fmt.Errorf("%w: cannot build %q", ErrBuild, spec)
		}
		if prev, dup := seen[st.Name]; dup {
			return nil, fmt.Errorf("%w: %q and %q would both be named %q", ErrBuild, prev, spec, st.Name)
		}
		seen[st.Name] = spec
		st.Spec = spec
		steps = append(steps, st)
	}
	return steps, nil
}

// goTool finds the go command: the one on PATH, else the one this test
// binary was built with.
func goTool() (string, error) {
	if p, err := exec.LookPath("go"); err == nil {
		return p, nil
	}
	p := filepath.Join(runtime.GOROOT(), "bin", "go")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%w: no go command on PATH or in GOROOT", ErrBuild)
	}
	return p, nil
}

// moduleRoot is the directory of the main module of the current directory
// ("" outside any module).
func moduleRoot(ctx context.Context, gobin string) (string, error) {
	out, err := exec.CommandContext(ctx, gobin, "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("%w: go env GOMOD: %w", ErrBuild, err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", nil
	}
	return filepath.Dir(gomod), nil
}

// buildAll builds specs into outDir; it runs in the outer process, where
// the module proxy is still reachable.
func buildAll(ctx context.Context, outDir string, specs []string) error {
	if len(specs) == 0 {
		return nil
	}
	gobin, err := goTool()
	if err != nil {
		return err
	}
	root, err := moduleRoot(ctx, gobin)
	if err != nil {
		return err
	}
	steps, err := planBuild(root, specs)
	if err != nil {
		return err
	}
	for _, st := range steps {
		cmd := exec.CommandContext(ctx, gobin, "build", "-o", filepath.Join(outDir, st.Name), st.Target)
		cmd.Dir = st.Dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%w: %s (in %s): %w\n%s", ErrBuild, st.Spec, st.Dir, err, out)
		}
	}
	return nil
}
