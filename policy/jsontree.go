package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// The parser builds a small positioned tree from encoding/json's token stream,
// so the JSON grammar itself is the standard library's.

type kind uint8

const (
	kObject kind = iota
	kArray
	kString
	kNumber
	kBool
	kNull
)

func (k kind) String() string {
	return [...]string{"an object", "an array", "a string", "a number", "a boolean", "null"}[k]
}

type member struct {
	key    string
	keyOff int
	val    *node
}

type node struct {
	kind    kind
	off     int
	end     int    // the offset just past the value
	str     string // string value, number text, or "true"/"false"
	members []member
	elems   []*node
}

func (n *node) get(key string) (*node, int) {
	var found *node
	off := -1
	for _, m := range n.members {
		if m.key == key {
			found, off = m.val, m.keyOff
		}
	}
	return found, off
}

const maxDepth = 64

type treeParser struct {
	data []byte
	dec  *json.Decoder
}

// jsonSyntaxError carries the offset of a JSON syntax problem.
type jsonSyntaxError struct {
	off int
	msg string
}

func (e *jsonSyntaxError) Error() string { return e.msg }

func parseTree(data []byte) (*node, error) {
	p := &treeParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	// Anything but whitespace after the document is an error.
	if _, err := p.dec.Token(); err != io.EOF {
		off := int(p.dec.InputOffset())
		return nil, &jsonSyntaxError{off: p.skip(off), msg: "invalid JSON: unexpected data after the policy document"}
	}
	return n, nil
}

// skip moves past whitespace and the separators ',' and ':'.
func (p *treeParser) skip(off int) int {
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}

func (p *treeParser) token() (json.Token, int, error) {
	start := p.skip(int(p.dec.InputOffset()))
	tok, err := p.dec.Token()
	if err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return nil, 0, &jsonSyntaxError{off: int(se.Offset), msg: "invalid JSON: " + se.Error()}
		case err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF):
			return nil, 0, &jsonSyntaxError{off: len(p.data), msg: "invalid JSON: unexpected end of document"}
		default:
			return nil, 0, &jsonSyntaxError{off: start, msg: "invalid JSON: " + err.Error()}
		}
	}
	return tok, start, nil
}

// end is the offset just past the token read last.
func (p *treeParser) end() int { return int(p.dec.InputOffset()) }

func (p *treeParser) value(depth int) (*node, error) {
	tok, off, err := p.token()
	if err != nil {
		return nil, err
	}
	return p.build(tok, off, depth)
}

func (p *treeParser) build(tok json.Token, off, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, &jsonSyntaxError{off: off, msg: fmt.Sprintf("invalid JSON: nested more than %d levels deep", maxDepth)}
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n := &node{kind: kObject, off: off}
			for p.dec.More() {
				kt, koff, err := p.token()
				if err != nil {
					return nil, err
				}
				key, _ := kt.(string)
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.members = append(n.members, member{key: key, keyOff: koff, val: v})
			}
			if _, _, err := p.token(); err != nil { // '}'
				return nil, err
			}
			n.end = int(p.dec.InputOffset())
			return n, nil
		case '[':
			n := &node{kind: kArray, off: off}
			for p.dec.More() {
				v, err := p.value(depth + 1)
				if err != nil {
					return nil, err
				}
				n.elems = append(n.elems, v)
			}
			if _, _, err := p.token(); err != nil { // ']'
				return nil, err
			}
			n.end = int(p.dec.InputOffset())
			return n, nil
		}
		return nil, &jsonSyntaxError{off: off, msg: fmt.Sprintf("invalid JSON: unexpected %q", rune(t))}
	case string:
		return &node{kind: kString, off: off, end: p.end(), str: t}, nil
	case json.Number:
		return &node{kind: kNumber, off: off, end: p.end(), str: t.String()}, nil
	case bool:
		s := "false"
		if t {
			s = "true"
		}
		return &node{kind: kBool, off: off, end: p.end(), str: s}, nil
	case nil:
		return &node{kind: kNull, off: off, end: p.end()}, nil
	}
	return nil, &jsonSyntaxError{off: off, msg: "invalid JSON"}
}

// lines maps byte offsets to line and column.
type lines struct {
	data  []byte
	start []int
	// The parser asks for positions mostly in increasing order; remembering
	// the last one makes each lookup count only the new characters, which
	// keeps long single-line documents linear rather than quadratic.
	curOff, curLine, curCol int
}

func newLines(data []byte) *lines {
	l := &lines{data: data, start: []int{0}}
	for i, c := range data {
		if c == '\n' {
			l.start = append(l.start, i+1)
		}
	}
	return l
}

func (l *lines) pos(off int) Position {
	if off < 0 {
		off = 0
	}
	if off > len(l.data) {
		off = len(l.data)
	}
	if l.curLine > 0 && off >= l.curOff && (l.curLine == len(l.start) || off < l.start[l.curLine]) {
		// Same line as the cursor, further along.
		l.curCol += utf8.RuneCount(l.data[l.curOff:off])
		l.curOff = off
		return Position{Line: l.curLine, Column: l.curCol, Offset: off}
	}
	lo, hi := 0, len(l.start)-1
	for lo < hi {
		mid := (lo + hi + 1) / 2
		if l.start[mid] <= off {
			lo = mid
		} else {
			hi = mid - 1
		}
	}
	col := utf8.RuneCount(l.data[l.start[lo]:off]) + 1
	l.curOff, l.curLine, l.curCol = off, lo+1, col
	return Position{Line: lo + 1, Column: col, Offset: off}
}
