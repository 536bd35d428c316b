package cli

import (
	"bytes"
	"encoding/json"
	"io"
)

// JSONLines writes one JSON object per line (JSON Lines), each line in a
// single Write so that a reader of a pipe sees whole lines as they are
// produced. HTML escaping is off: instance names such as "R&D <lab>"
// stay readable.
type JSONLines struct {
	w   io.Writer
	buf bytes.Buffer
	enc *json.Encoder
}

// NewJSONLines returns a JSONLines writing to w.
func NewJSONLines(w io.Writer) *JSONLines {
	j := &JSONLines{w: w}
	j.enc = json.NewEncoder(&j.buf)
	j.enc.SetEscapeHTML(false)
	return j
}

// Write encodes v and writes it as one line.
func (j *JSONLines) Write(v any) error {
	j.buf.Reset()
	if err := j.enc.Encode(v); err != nil { // Encode appends the newline
		return err
	}
	_, err := j.w.Write(j.buf.Bytes())
	return err
}
