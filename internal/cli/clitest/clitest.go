// Package clitest reads and writes golden CLI transcripts: text files of
// blocks, each a command line, what it must print and its exit code.
//
//	# Comments (which issue the block guards) precede a block.
//	$ mdns-browse --service _http._tcp --json
//	interrupt 5s
//	stdout:
//	{"event":"add",...}
//	stderr:
//	exit 0
//
// "$" gives the arguments, split like a POSIX shell does (single and
// double quotes, backslash escapes); the first word is the program name
// and is not passed on. "interrupt D" (optional) asks the runner to cancel
// the command's context after D, as SIGINT would. The stdout: and stderr:
// sections hold the exact output, line by line; "exit N" ends the block.
package clitest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// A Case is one block of a transcript.
type Case struct {
	Comment   []string // the comment lines before the block, without "# "
	Line      int      // line of the "$" in the file
	Args      []string // after the program name
	Program   string
	Interrupt time.Duration
	Stdout    string
	Stderr    string
	Exit      int
}

// Name is a short label for subtests: the line and the command.
func (c Case) Name() string {
	return fmt.Sprintf("line%d", c.Line)
}

// ReadFile parses a transcript file.
func ReadFile(path string) ([]Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// Parse parses a transcript; name is used in errors.
func Parse(name string, data []byte) ([]Case, error) {
	var (
		cases   []Case
		cur     *Case
		section *strings.Builder
		comment []string
		stdout  strings.Builder
		stderr  strings.Builder
	)
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		fail := func(format string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(format, args...))
		}
		switch {
		case cur == nil && (line == "" || strings.HasPrefix(line, "#")):
			if line != "" {
				comment = append(comment, strings.TrimPrefix(strings.TrimPrefix(line, "#"), " "))
			}
		case cur == nil && strings.HasPrefix(line, "$ "):
			words, err := Split(line[2:])
			if err != nil || len(words) == 0 {
				return nil, fail("bad command line: %v", err)
			}
			cur = &Case{Comment: comment, Line: n, Program: words[0], Args: words[1:]}
			comment = nil
			stdout.Reset()
			stderr.Reset()
			section = nil
		case cur == nil:
			return nil, fail("expected a comment or '$ command', got %q", line)
		case section == nil && strings.HasPrefix(line, "interrupt "):
			d, err := time.ParseDuration(strings.TrimPrefix(line, "interrupt "))
			if err != nil {
				return nil, fail("%v", err)
			}
			cur.Interrupt = d
		case line == "stdout:":
			section = &stdout
		case line == "stderr:":
			section = &stderr
		case strings.HasPrefix(line, "exit "):
			code, err := strconv.Atoi(strings.TrimPrefix(line, "exit "))
			if err != nil {
				return nil, fail("%v", err)
			}
			cur.Exit, cur.Stdout, cur.Stderr = code, stdout.String(), stderr.String()
			cases = append(cases, *cur)
			cur = nil
		case section != nil:
			section.WriteString(line + "\n")
		default:
			return nil, fail("unexpected %q (want stdout:, stderr:, interrupt or exit)", line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if cur != nil {
		return nil, fmt.Errorf("%s: block at line %d has no 'exit' line", name, cur.Line)
	}
	return cases, nil
}

// Format writes cases back as a transcript (for -update).
func Format(cases []Case) []byte {
	var b bytes.Buffer
	for i, c := range cases {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, l := range c.Comment {
			b.WriteString(strings.TrimRight("# "+l, " ") + "\n")
		}
		b.WriteString("$ " + Join(append([]string{c.Program}, c.Args...)) + "\n")
		if c.Interrupt > 0 {
			b.WriteString("interrupt " + c.Interrupt.String() + "\n")
		}
		b.WriteString("stdout:\n" + c.Stdout)
		b.WriteString("stderr:\n" + c.Stderr)
		fmt.Fprintf(&b, "exit %d\n", c.Exit)
	}
	return b.Bytes()
}

// Split splits a command line into words as a POSIX shell would, for the
// quoting a transcript needs: '...', "..." with \" and \\, and \x.
func Split(s string) ([]string, error) {
	var (
		words []string
		cur   strings.Builder
		in    bool // inside a word
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated '")
			}
			cur.WriteString(s[i+1 : i+1+j])
			i += j + 1
			in = true
		case c == '"':
			in = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated \"")
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' && i+1 < len(s) && (s[i+1] == '"' || s[i+1] == '\\' || s[i+1] == '$') {
					i++
				}
				cur.WriteByte(s[i])
			}
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			in = true
		default:
			cur.WriteByte(c)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words, nil
}

// Join quotes words so that Split gives them back.
func Join(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "" && strings.IndexFunc(w, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
		}) < 0 {
			out[i] = w
			continue
		}
		out[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(out, " ")
}
