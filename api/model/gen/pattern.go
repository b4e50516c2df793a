package main

import (
	"fmt"
	"regexp"
	"strings"
)

// AWS validates a member's pattern with Java's regular expressions
// (java.util.regex, Pattern.matches: the whole value must match). Go's
// regexp is RE2, which differs in the places translate handles: \uXXXX
// escapes (exactly four hex digits in Java, so that "\u10000" is U+1000
// then '0'), "." (Java excludes \n, \r, U+0085, U+2028 and U+2029; Go only
// \n), \s and \S (Java's \s holds \x0B, Go's does not), and whole-value
// matching. Constructs RE2 lacks (lookaround, possessive and atomic
// groups, backreferences, class intersection) are refused: such a pattern
// needs a hand translation in manualPatterns.

// errUntranslatable marks a construct RE2 cannot express.
type errUntranslatable struct{ what string }

func (e errUntranslatable) Error() string { return "cannot translate " + e.what + " to RE2" }

const (
	// Java's line terminators, which "." does not match.
	goDot = `[^\n\r\x{85}\x{2028}\x{2029}]`
	// Java's \s: [ \t\n\x0B\f\r]; as ranges, for use inside a class.
	javaSpaceRanges    = `\x09-\x0D\x20`
	javaNonSpaceRanges = `\x00-\x08\x0E-\x1F\x21-\x{10FFFF}`
)

// translate turns a Java pattern into an RE2 pattern that matches the
// same whole strings.
func translate(java string) (string, error) {
	var b strings.Builder
	rs := []rune(java)
	inClass := false
	classStart := 0 // index in rs of the first rune after [ or [^
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case c == '\\':
			if i+1 >= len(rs) {
				return "", fmt.Errorf("trailing backslash")
			}
			i++
			e := rs[i]
			switch {
			case e == 'u':
				if i+4 >= len(rs) {
					return "", fmt.Errorf(`short \u escape`)
				}
				hex := string(rs[i+1 : i+5])
				if !isHex(hex) {
					return "", fmt.Errorf(`bad \u escape %q`, hex)
				}
				b.WriteString(`\x{` + hex + `}`)
				i += 4
			case e == 's':
				if inClass {
					b.WriteString(javaSpaceRanges)
				} else {
					b.WriteString(`[` + javaSpaceRanges + `]`)
				}
			case e == 'S':
				if inClass {
					b.WriteString(javaNonSpaceRanges)
				} else {
					b.WriteString(`[` + javaNonSpaceRanges + `]`)
				}
			case e == 'd', e == 'D', e == 'w', e == 'W':
				// ASCII in both (Java without UNICODE_CHARACTER_CLASS).
				b.WriteRune('\\')
				b.WriteRune(e)
			case e == 'p' || e == 'P':
				if i+1 >= len(rs) || rs[i+1] != '{' {
					return "", errUntranslatable{`\p without braces`}
				}
				end := indexRune(rs, '}', i+2)
				if end < 0 {
					return "", fmt.Errorf(`unterminated \p{`)
				}
				name := string(rs[i+2 : end])
				if !unicodeCategory.MatchString(name) {
					// Java's POSIX classes (\p{Alpha}, \p{ASCII}) and
					// java.lang.Character classes have other names in Go.
					return "", errUntranslatable{`\p{` + name + `}`}
				}
				b.WriteString(`\` + string(e) + `{` + name + `}`)
				i = end
			case e == 'n', e == 't', e == 'r', e == 'f':
				b.WriteRune('\\')
				b.WriteRune(e)
			case e == 'e':
				b.WriteString(`\x1B`)
			case e == 'Q':
				end := strings.Index(string(rs[i+1:]), `\E`)
				lit := string(rs[i+1:])
				if end >= 0 {
					lit = lit[:end]
				}
				if inClass {
					return "", errUntranslatable{`\Q in a class`}
				}
				b.WriteString(regexp.QuoteMeta(lit))
				if end < 0 {
					i = len(rs)
				} else {
					i += len([]rune(lit)) + 2
				}
			case isPunct(e):
				b.WriteRune('\\')
				b.WriteRune(e)
			default:
				// \b \B \A \z \Z \G \R \h \H \v \V \X \k, backreferences,
				// octal and control escapes.
				return "", errUntranslatable{`\` + string(e)}
			}
		case inClass:
			switch {
			case c == ']' && i > classStart:
				inClass = false
				b.WriteRune(c)
			case c == '[':
				return "", errUntranslatable{"a nested class (Java's class union)"}
			case c == '&' && i+1 < len(rs) && rs[i+1] == '&':
				return "", errUntranslatable{"class intersection &&"}
			default:
				b.WriteRune(c)
			}
		case c == '[':
			inClass = true
			b.WriteRune(c)
			classStart = i + 1
			if classStart < len(rs) && rs[classStart] == '^' {
				b.WriteRune('^')
				i++
				classStart++
			}
		case c == '.':
			b.WriteString(goDot)
		case c == '(':
			if i+1 < len(rs) && rs[i+1] == '?' {
				if i+2 < len(rs) && rs[i+2] == ':' {
					b.WriteString("(?:")
					i += 2
					continue
				}
				return "", errUntranslatable{"the group (?" + string(rs[i+2:min(i+4, len(rs))]) + "...)"}
			}
			b.WriteRune(c)
		case c == '*' || c == '+' || c == '?' || c == '}':
			b.WriteRune(c)
			if i+1 < len(rs) && rs[i+1] == '+' {
				return "", errUntranslatable{"a possessive quantifier " + string(c) + "+"}
			}
		default:
			b.WriteRune(c)
		}
	}
	if inClass {
		return "", fmt.Errorf("unterminated class")
	}
	out := `^(?:` + b.String() + `)$`
	if _, err := regexp.Compile(out); err != nil {
		return "", fmt.Errorf("the translation %s does not compile: %w", out, err)
	}
	return out, nil
}

var unicodeCategory = regexp.MustCompile(`^[A-Z][a-z]?$`)

func isHex(s string) bool {
	if len(s) != 4 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

func isPunct(r rune) bool {
	return r < 0x80 && strings.ContainsRune("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~", r)
}

func indexRune(rs []rune, r rune, from int) int {
	for i := from; i < len(rs); i++ {
		if rs[i] == r {
			return i
		}
	}
	return -1
}

// manualPattern is the hand translation of a pattern RE2 cannot express.
type manualPattern struct {
	Go      string   // the whole value matches
	Exclude []string // and contains none of these
	Note    string
}

// manualPatterns are translated by hand, each with why it is exact.
var manualPatterns = map[string]manualPattern{
	// IAM accountAliasType. "-(?!-)" is a hyphen not followed by a
	// hyphen; the alias begins and ends with [a-z0-9], so the condition is
	// exactly "no two hyphens in a row" anywhere.
	`^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`: {
		Go:      `^(?:[a-z0-9](?:[a-z0-9]|-){1,61}[a-z0-9])$`,
		Exclude: []string{"--"},
		Note:    `the lookahead -(?!-) is "no -- anywhere"`,
	},
}
