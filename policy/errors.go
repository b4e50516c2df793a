package policy

import (
	"fmt"
	"strings"
)

// Position is a place in a policy file: 1-based line and column (in
// characters), and the 0-based byte offset.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

func (p Position) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Column) }

// Error is one problem in a policy document.
type Error struct {
	File string   `json:"file,omitempty"`
	Pos  Position `json:"position"`
	// Path is the element path, such as "Statement[1].Effect".
	Path string `json:"path,omitempty"`
	// Code is the IAM Access Analyzer issue code for the problem, such as
	// INVALID_EFFECT (see codes.go).
	Code string `json:"code,omitempty"`
	Msg  string `json:"message"`
	// AWS is IAM's MalformedPolicyDocument message for the problem, word
	// for word, where IAM's words follow from the problem alone; empty
	// otherwise (and for warnings).
	AWS string `json:"aws,omitempty"`
}

func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
		b.WriteByte(':')
	}
	fmt.Fprintf(&b, "%d:%d: ", e.Pos.Line, e.Pos.Column)
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.AWS != "" {
		b.WriteString(" (IAM: ")
		b.WriteString(e.AWS)
		b.WriteString(")")
	}
	return b.String()
}

// Errors is every problem found in one document, in document order.
type Errors []*Error

func (es Errors) Error() string {
	parts := make([]string, len(es))
	for i, e := range es {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n")
}
