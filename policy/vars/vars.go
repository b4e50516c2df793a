package vars

import (
	"strings"
	"unicode/utf8"

	"github.com/iamgate/iamgate/arn"
)

// Resolver looks up a context key, given in lower case.
type Resolver interface {
	Lookup(lowerKey string) ([]string, bool)
}

type partKind uint8

const (
	partLit  partKind = iota // literal text, no wildcards
	partStar                 // '*' wildcard
	partQm                   // '?' wildcard
	partVar                  // ${key} or ${key, 'default'}
)

type part struct {
	kind   partKind
	text   string // literal text, or the default value
	key    string // lower-cased context key for partVar
	raw    string // the key as written, for partVar
	hasDef bool
}

// UnitKind is the kind of a Unit.
type UnitKind uint8

const (
	UnitLiteral  UnitKind = iota // literal text
	UnitStar                     // the '*' wildcard
	UnitQuestion                 // the '?' wildcard
	UnitVariable                 // a policy variable
)

// Unit is one piece of a compiled template, for tools that reason about
// the text (the analysis package): literal text, a wildcard, or a
// variable with its key and default.
type Unit struct {
	Kind UnitKind
	// Text is the literal text, or a variable's default.
	Text string
	// Key is a variable's key in lower case; RawKey as written.
	Key, RawKey string
	HasDefault  bool
}

// Units returns the template's pieces, in order; adjacent literal text is
// one unit.
func (t *Template) Units() []Unit {
	out := make([]Unit, len(t.parts))
	for i, p := range t.parts {
		out[i] = Unit{Kind: UnitKind(p.kind), Text: p.text, Key: p.key, RawKey: p.raw, HasDefault: p.hasDef}
	}
	return out
}

// Template is compiled policy text that may hold wildcards and variables.
type Template struct {
	raw      string
	parts    []part
	hasVars  bool
	hasWild  bool
	literal  string // when the template is one literal (or empty)
	isLitral bool
}

// Variable names one ${...} reference in a template.
type Variable struct {
	Key     string // as written
	Default string
	HasDef  bool
}

// Compile parses text. With vars false (a policy without Version 2012-10-17)
// "${" has no meaning and is taken literally.
func Compile(text string, vars bool) Template {
	t := Template{raw: text}
	lit := func(s string) {
		if s == "" {
			return
		}
		if n := len(t.parts); n > 0 && t.parts[n-1].kind == partLit {
			t.parts[n-1].text += s
			return
		}
		t.parts = append(t.parts, part{kind: partLit, text: s})
	}
	start := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '*' || c == '?':
			lit(text[start:i])
			k := partStar
			if c == '?' {
				k = partQm
			}
			t.parts = append(t.parts, part{kind: k})
			t.hasWild = true
			start = i + 1
		case c == '$' && vars && i+1 < len(text) && text[i+1] == '{':
			v, n, ok := parseVar(text[i:])
			if !ok {
				continue // not a well-formed variable: literal text
			}
			lit(text[start:i])
			switch v.Key {
			case "*", "?", "$":
				lit(v.Key)
			default:
				t.parts = append(t.parts, part{kind: partVar, key: strings.ToLower(v.Key), raw: v.Key, text: v.Default, hasDef: v.HasDef})
				t.hasVars = true
			}
			i += n - 1
			start = i + 1
		}
	}
	lit(text[start:])
	if len(t.parts) == 0 {
		t.isLitral = true
	} else if len(t.parts) == 1 && t.parts[0].kind == partLit {
		t.isLitral, t.literal = true, t.parts[0].text
	}
	return t
}

// parseVar parses "${...}" at the start of s and returns the variable and the
// number of bytes it spans.
func parseVar(s string) (Variable, int, bool) {
	var v Variable
	end := -1
	inQuote := false
	for i := 2; i < len(s); i++ {
		if s[i] == '\'' {
			if inQuote && i+1 < len(s) && s[i+1] == '\'' {
				i++
				continue
			}
			inQuote = !inQuote
			continue
		}
		if s[i] == '}' && !inQuote {
			end = i
			break
		}
	}
	if end < 0 {
		return v, 0, false
	}
	body := s[2:end]
	key, def, hasDef := body, "", false
	if j := strings.IndexByte(body, ','); j >= 0 {
		key = body[:j]
		d := strings.TrimSpace(body[j+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return v, 0, false
		}
		def, hasDef = strings.ReplaceAll(d[1:len(d)-1], "''", "'"), true
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t'{") {
		return v, 0, false
	}
	v.Key, v.Default, v.HasDef = key, def, hasDef
	return v, end + 1, true
}

// Variables lists the ${key} references in text (not ${*}, ${?}, ${$}).
func Variables(text string) []Variable {
	var out []Variable
	for i := 0; i+1 < len(text); i++ {
		if text[i] == '$' && text[i+1] == '{' {
			if v, n, ok := parseVar(text[i:]); ok {
				if v.Key != "*" && v.Key != "?" && v.Key != "$" {
					out = append(out, v)
				}
				i += n - 1
			}
		}
	}
	return out
}

// Raw returns the text the template was compiled from.
func (t *Template) Raw() string { return t.raw }

// HasVars reports whether the template holds at least one ${key} variable.
func (t *Template) HasVars() bool { return t.hasVars }

// HasWildcards reports whether the template holds a '*' or '?' wildcard.
func (t *Template) HasWildcards() bool { return t.hasWild }

// unit is one resolved piece of a template: literal text or a wildcard.
type unit struct {
	wild byte // 0, '*' or '?'
	text string
}

const stackUnits = 16

// resolve turns parts into units, looking variables up. It reports false when
// a variable cannot be resolved. When wild is false, wildcards become literal.
func (t *Template) resolve(buf []unit, r Resolver, wild bool) ([]unit, bool) {
	for _, p := range t.parts {
		switch p.kind {
		case partLit:
			buf = append(buf, unit{text: p.text})
		case partStar:
			if wild {
				buf = append(buf, unit{wild: '*'})
			} else {
				buf = append(buf, unit{text: "*"})
			}
		case partQm:
			if wild {
				buf = append(buf, unit{wild: '?'})
			} else {
				buf = append(buf, unit{text: "?"})
			}
		case partVar:
			var vals []string
			ok := false
			if r != nil {
				vals, ok = r.Lookup(p.key)
			}
			switch {
			case ok && len(vals) == 1:
				buf = append(buf, unit{text: vals[0]})
			case p.hasDef:
				buf = append(buf, unit{text: p.text})
			default:
				return buf, false
			}
		}
	}
	return buf, true
}

// Equal reports whether s equals the template with its variables resolved;
// '*' and '?' are literal characters here (StringEquals, Bool, ...).
// With fold, ASCII case is ignored. resolved is false when a variable could
// not be resolved, in which case ok is false too.
func (t *Template) Equal(s string, r Resolver, fold bool) (ok, resolved bool) {
	if t.isLitral {
		if fold {
			return equalFold(t.literal, s), true
		}
		return t.literal == s, true
	}
	var stack [stackUnits]unit
	units, resolved := t.resolve(stack[:0], r, false)
	if !resolved {
		return false, false
	}
	for _, u := range units {
		if len(s) < len(u.text) {
			return false, true
		}
		if fold {
			if !equalFold(s[:len(u.text)], u.text) {
				return false, true
			}
		} else if s[:len(u.text)] != u.text {
			return false, true
		}
		s = s[len(u.text):]
	}
	return s == "", true
}

// Like reports whether s matches the template with '*' and '?' as wildcards
// (StringLike, ArnLike, Resource).
func (t *Template) Like(s string, r Resolver, fold bool) (ok, resolved bool) {
	if t.isLitral {
		if fold {
			return equalFold(t.literal, s), true
		}
		return t.literal == s, true
	}
	var stack [stackUnits]unit
	units, resolved := t.resolve(stack[:0], r, true)
	if !resolved {
		return false, false
	}
	return glob(units, s, fold), true
}

// equalFold compares with ASCII case folding; other bytes must be equal.
// Case-insensitive matching is ASCII-only throughout iamgate (actions, Like
// patterns and the IgnoreCase operators), so that every matcher agrees.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] && lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 32
	}
	return c
}

// glob matches s against units with single-star backtracking.
func glob(p []unit, s string, fold bool) bool {
	pi, po, si := 0, 0, 0
	star, starS := -1, 0
	for {
		// Skip exhausted literal units.
		for pi < len(p) && p[pi].wild == 0 && po == len(p[pi].text) {
			pi, po = pi+1, 0
		}
		if pi < len(p) {
			u := p[pi]
			if u.wild == '*' {
				star, starS = pi, si
				pi, po = pi+1, 0
				continue
			}
			if si < len(s) {
				if u.wild == '?' {
					_, n := utf8.DecodeRuneInString(s[si:])
					pi, po = pi+1, 0
					si += n
					continue
				}
				if c := u.text[po]; c == s[si] || (fold && lower(c) == lower(s[si])) {
					po++
					si++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starS >= len(s) {
			return false
		}
		// The '*' swallows one more character, a whole UTF-8 sequence, so
		// that a '?' after it never starts inside one.
		if s[starS] < utf8.RuneSelf {
			starS++
		} else {
			_, n := utf8.DecodeRuneInString(s[starS:])
			starS += n
		}
		pi, po, si = star+1, 0, starS
	}
}

// ARNPattern is an ARN pattern whose components may hold wildcards and
// variables, matched component by component (see package arn).
type ARNPattern struct {
	any   bool
	valid bool
	comps [5]Template
}

// CompileARN compiles an ARN pattern. "*" matches everything; text that does
// not have six components compiles to a pattern that matches nothing.
func CompileARN(text string, vars bool) ARNPattern {
	if text == "*" {
		return ARNPattern{any: true, valid: true}
	}
	var p ARNPattern
	comps, ok := SplitARN(text)
	if !ok {
		return p
	}
	p.valid = true
	for i := range comps {
		p.comps[i] = Compile(comps[i], vars)
	}
	return p
}

// SplitARN splits an ARN pattern at the first five colons that are not
// inside ${...}, as CompileARN does; ok is false when text does not start
// with "arn:" or has fewer than six components.
func SplitARN(text string) (comps [5]string, ok bool) {
	var out [5]string
	if !strings.HasPrefix(text, "arn:") {
		return out, false
	}
	rest := text[4:]
	n := 0
	depth := 0
	start := 0
	for i := 0; i < len(rest) && n < 4; i++ {
		switch rest[i] {
		case '{':
			if i > 0 && rest[i-1] == '$' {
				depth++
			}
		case '}':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth == 0 {
				out[n] = rest[start:i]
				n++
				start = i + 1
			}
		}
	}
	if n < 4 {
		return out, false
	}
	out[4] = rest[start:]
	return out, true
}

// Valid reports whether the pattern is "*" or has six components.
func (p *ARNPattern) Valid() bool { return p.valid }

// Match reports whether the parsed ARN a matches. resolved is false when a
// variable could not be resolved.
func (p *ARNPattern) Match(a arn.ARN, r Resolver) (ok, resolved bool) {
	if p.any {
		return true, true
	}
	if !p.valid {
		return false, true
	}
	fields := [5]string{a.Partition, a.Service, a.Region, a.AccountID, a.Resource}
	for i := range p.comps {
		c := &p.comps[i]
		if c.isLitral && !c.hasWild {
			if c.literal != fields[i] {
				return false, true
			}
			continue
		}
		if len(c.parts) == 1 && c.parts[0].kind == partStar {
			continue
		}
		m, res := c.Like(fields[i], r, false)
		if !res {
			return false, false
		}
		if !m {
			return false, true
		}
	}
	return true, true
}

// MatchString parses s and matches it; text that is not an ARN matches only "*".
func (p *ARNPattern) MatchString(s string, r Resolver) (ok, resolved bool) {
	if p.any {
		return true, true
	}
	a, err := arn.Parse(s)
	if err != nil {
		return false, true
	}
	return p.Match(a, r)
}
