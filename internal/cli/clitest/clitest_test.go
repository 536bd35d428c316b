package clitest

import (
	"slices"
	"testing"
	"time"
)

func TestSplitJoin(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`a b  c`, []string{"a", "b", "c"}},
		{`--txt 'k=v w' "x \"y\"" z\ z`, []string{"--txt", "k=v w", `x "y"`, "z z"}},
		{`''`, []string{""}},
		{`'it'\''s'`, []string{"it's"}},
	} {
		got, err := Split(tc.in)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("Split(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
		back, _ := Split(Join(got))
		if !slices.Equal(back, got) {
			t.Errorf("Split(Join(%q)) = %q", got, back)
		}
	}
	if _, err := Split(`'open`); err == nil {
		t.Error("unterminated quote accepted")
	}
}

func TestParseFormat(t *testing.T) {
	src := "# guards issue 7\n$ prog --json 'a b'\ninterrupt 5s\nstdout:\nline 1\n\nstderr:\nprog: oops\nexit 2\n\n$ prog\nstdout:\nstderr:\nexit 0\n"
	cases, err := Parse("t", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 2 {
		t.Fatalf("got %d cases", len(cases))
	}
	c := cases[0]
	if c.Program != "prog" || !slices.Equal(c.Args, []string{"--json", "a b"}) || c.Interrupt != 5*time.Second ||
		c.Stdout != "line 1\n\n" || c.Stderr != "prog: oops\n" || c.Exit != 2 || c.Line != 2 || c.Comment[0] != "guards issue 7" {
		t.Errorf("case 0 = %+v", c)
	}
	if got := string(Format(cases)); got != src {
		t.Errorf("Format round trip:\n%s\nwant:\n%s", got, src)
	}
	for _, bad := range []string{"$ prog\nstdout:\n", "junk\n", "$ prog\ninterrupt x\nexit 0\n", "$ prog\nwhat\nexit 0\n"} {
		if _, err := Parse("t", []byte(bad)); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}
