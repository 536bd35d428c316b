package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	var vals []string
	var stdout, stderr bytes.Buffer
	fs := NewFlagSet("prog")
	fs.Var(Strings{&vals}, "txt", "")
	fs.Var(Strings{&vals}, "meta", "")
	code, ok := Parse(fs, []string{"--txt", "a=1,2", "--meta", "b", "--txt", "c="}, "USAGE\n", &stdout, &stderr)
	if !ok || code != ExitOK || strings.Join(vals, "|") != "a=1,2|b|c=" {
		t.Errorf("Parse = %d %v, values %q", code, ok, vals)
	}
	code, ok = Parse(NewFlagSet("prog"), []string{"--help"}, "USAGE\n", &stdout, &stderr)
	if ok || code != ExitOK || stdout.String() != "USAGE\n" || stderr.Len() != 0 {
		t.Errorf("--help: %d %v stdout %q stderr %q", code, ok, stdout.String(), stderr.String())
	}
	stdout.Reset()
	code, ok = Parse(NewFlagSet("prog"), []string{"--nope"}, "USAGE\n", &stdout, &stderr)
	if ok || code != ExitUsage || stdout.Len() != 0 || !strings.HasPrefix(stderr.String(), "prog: unknown flag: --nope\nprog: hint: see 'prog --help'\n") {
		t.Errorf("bad flag: %d %v stdout %q stderr %q", code, ok, stdout.String(), stderr.String())
	}
}

func TestReport(t *testing.T) {
	sentinel := errors.New("no interface")
	var b bytes.Buffer
	Report(&b, "prog", fmt.Errorf("listen: %w", sentinel),
		Hint{Match: func(err error) bool { return false }, Text: "wrong"},
		Hint{Match: func(err error) bool { return errors.Is(err, sentinel) }, Text: "name one"})
	if got, want := b.String(), "prog: listen: no interface\nprog: hint: name one\n"; got != want {
		t.Errorf("Report wrote %q, want %q", got, want)
	}
}

func TestJSONLines(t *testing.T) {
	var b bytes.Buffer
	j := NewJSONLines(&b)
	j.Write(map[string]string{"instance": "R&D <lab> é"})
	j.Write([]int{1})
	if got, want := b.String(), "{\"instance\":\"R&D <lab> é\"}\n[1]\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestPrintableAndTable(t *testing.T) {
	if got := Printable("a\x1b[2Jb\tc\xffé"); got != `a\027[2Jb\009c\255é` {
		t.Errorf("Printable = %q", got)
	}
	var b bytes.Buffer
	Table(&b, "  ", [][]string{{"NAME", "PORT"}, {"Café", "80"}, {"x", "8080"}})
	want := "  NAME  PORT\n  Café  80\n  x     8080\n"
	if b.String() != want {
		t.Errorf("Table:\n%q\nwant\n%q", b.String(), want)
	}
}

func TestIsTerminal(t *testing.T) {
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
	f, err := os.CreateTemp(t.TempDir(), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) {
		t.Error("a file is a terminal")
	}
}

func TestVersion(t *testing.T) {
	if v := VersionLine("prog"); !strings.HasPrefix(v, "prog ") || !strings.HasSuffix(v, ")\n") {
		t.Errorf("VersionLine = %q", v)
	}
}
