package jsonscan

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth is how deeply Skip nests (encoding/json allows 10,000).
const maxDepth = 1000

// Scanner reads one JSON document held in memory. Every method returns
// false when what follows is not what it reads (or is outside the subset);
// the Scanner is then of no further use.
type Scanner struct {
	data []byte
	pos  int
}

// New scans b.
func New(b []byte) *Scanner { return &Scanner{data: b} }

// Reset scans b from its start.
func (s *Scanner) Reset(b []byte) { s.data, s.pos = b, 0 }

// Pos is the offset of the next byte to read.
func (s *Scanner) Pos() int { return s.pos }

func (s *Scanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// Peek is the next byte that is not white space, 0 at the end.
func (s *Scanner) Peek() byte {
	s.ws()
	if s.pos < len(s.data) {
		return s.data[s.pos]
	}
	return 0
}

// Consume reads the byte c (after white space).
func (s *Scanner) Consume(c byte) bool {
	if s.Peek() != c {
		return false
	}
	s.pos++
	return true
}

// Null reads the literal null if it is next.
func (s *Scanner) Null() bool {
	if s.Peek() == 'n' && s.literal("null") {
		return true
	}
	return false
}

func (s *Scanner) literal(lit string) bool {
	if len(s.data)-s.pos < len(lit) || string(s.data[s.pos:s.pos+len(lit)]) != lit {
		return false
	}
	s.pos += len(lit)
	return true
}

// rawString reads a string token: its content between the quotes, the
// whole token, and whether it must be decoded (an escape, or bytes that
// are not ASCII).
func (s *Scanner) rawString() (raw, token []byte, decode, ok bool) {
	if s.Peek() != '"' {
		return nil, nil, false, false
	}
	start := s.pos + 1
	for i := start; i < len(s.data); i++ {
		switch c := s.data[i]; {
		case c == '"':
			s.pos = i + 1
			return s.data[start:i], s.data[start-1 : i+1], decode, true
		case c == '\\':
			decode = true
			i++ // the escaped byte; a \u escape's digits are plain bytes
		case c < 0x20:
			return nil, nil, false, false
		case c >= 0x80:
			decode = true
		}
	}
	return nil, nil, false, false
}

// decodeString is a string token's value as encoding/json decodes it
// (escapes replaced, invalid UTF-8 replaced by U+FFFD).
func decodeString(raw, token []byte, decode bool) (string, bool) {
	if !decode || (!bytes.ContainsRune(raw, '\\') && utf8.Valid(raw)) {
		return string(raw), true
	}
	var out string
	if err := json.Unmarshal(token, &out); err != nil {
		return "", false
	}
	return out, true
}

// validString tells whether a string token that must be decoded is valid
// JSON (its escapes; encoding/json reads any bytes otherwise).
func validString(raw, token []byte, decode bool) bool {
	return !decode || !bytes.ContainsRune(raw, '\\') || json.Valid(token)
}

// String reads a string value as encoding/json decodes it.
func (s *Scanner) String() (string, bool) {
	raw, token, decode, ok := s.rawString()
	if !ok {
		return "", false
	}
	return decodeString(raw, token, decode)
}

// StringToken reads a string value and returns it with its quotes, as
// written.
func (s *Scanner) StringToken() ([]byte, bool) {
	_, token, _, ok := s.rawString()
	return token, ok
}

// Key reads an object member's name and the colon after it. A name with an
// escape or a byte that is not ASCII is outside the subset (encoding/json
// matches names after unescaping them, and case-insensitively).
func (s *Scanner) Key() ([]byte, bool) {
	raw, _, decode, ok := s.rawString()
	if !ok || decode || !s.Consume(':') {
		return nil, false
	}
	return raw, true
}

// Bool reads true or false.
func (s *Scanner) Bool() (v, ok bool) {
	switch s.Peek() {
	case 't':
		return true, s.literal("true")
	case 'f':
		return false, s.literal("false")
	}
	return false, false
}

// Int reads an integer as encoding/json decodes a number into an int64
// (a fraction or an exponent is outside the subset).
func (s *Scanner) Int() (int64, bool) {
	s.ws()
	start := s.pos
	if !s.number() {
		return 0, false
	}
	n, err := strconv.ParseInt(string(s.data[start:s.pos]), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}

// number reads a number token (RFC 8259 section 6).
func (s *Scanner) number() bool {
	d, i := s.data, s.pos
	if i < len(d) && d[i] == '-' {
		i++
	}
	switch {
	case i < len(d) && d[i] == '0':
		i++
	case i < len(d) && d[i] >= '1' && d[i] <= '9':
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(d) && d[i] == '.' {
		i++
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		j := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	s.pos = i
	return true
}

// Skip reads any value, checking its syntax, and returns it as written.
func (s *Scanner) Skip() ([]byte, bool) {
	s.ws()
	start := s.pos
	if !s.skip(0) {
		return nil, false
	}
	return s.data[start:s.pos], true
}

func (s *Scanner) skip(depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch c := s.Peek(); {
	case c == '{':
		s.pos++
		for first := true; ; first = false {
			more, ok := s.More('}', first)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			raw, token, decode, ok := s.rawString()
			if !ok || !s.Consume(':') {
				return false
			}
			if !validString(raw, token, decode) || !s.skip(depth+1) {
				return false
			}
		}
	case c == '[':
		s.pos++
		for first := true; ; first = false {
			more, ok := s.More(']', first)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skip(depth + 1) {
				return false
			}
		}
	case c == '"':
		raw, token, decode, ok := s.rawString()
		return ok && validString(raw, token, decode)
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || (c >= '0' && c <= '9'):
		return s.number()
	}
	return false
}

// More tells, inside an object or an array whose opening byte was read
// (Consume), whether another member or element follows, reading the
// comma before it (first: none was read yet) or the closing byte.
//
//	if !s.Consume('{') { ... }
//	for first := true; ; first = false {
//		more, ok := s.More('}', first)
//		if !ok || !more { ... }
//		key, ok := s.Key()
//		...
//	}
func (s *Scanner) More(closing byte, first bool) (more, ok bool) {
	switch c := s.Peek(); {
	case c == closing:
		s.pos++
		return false, true
	case first:
		return true, true
	case c == ',':
		s.pos++
		return true, true
	}
	return false, false
}

// Names are the member names a decoder reads, to tell the names it may
// skip: encoding/json matches a name to a field case-insensitively, so a
// name that is none of them but folds to one of them is outside the
// subset.
type Names struct {
	lower map[string]bool
	all   []string
}

// NewNames lists a decoder's member names.
func NewNames(names ...string) *Names {
	n := &Names{lower: map[string]bool{}, all: names}
	for _, s := range names {
		n.lower[strings.ToLower(s)] = true
	}
	return n
}

// Skippable tells whether an unknown member name may be skipped: it folds
// to none of the names.
func (n *Names) Skippable(key []byte) bool {
	var buf [64]byte
	if len(key) <= len(buf) {
		ascii := true
		for i, c := range key {
			if c >= 0x80 {
				ascii = false
				break
			}
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if ascii {
			return !n.lower[string(buf[:len(key)])]
		}
	}
	for _, s := range n.all {
		if strings.EqualFold(string(key), s) {
			return false
		}
	}
	return true
}
