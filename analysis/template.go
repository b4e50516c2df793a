package analysis

import (
	"strings"

	"github.com/iamgate/iamgate/policy/vars"
)

// The solver sees the structure of a value as policy/vars parses it (its
// Template.Units): literal text, '*', '?' and ${key} references.

type unitKind uint8

const (
	uLit unitKind = iota
	uStar
	uQm
	uVar
)

type tunit struct {
	kind   unitKind
	text   string // literal text, or the default of a variable
	key    string // lower-cased key of a variable
	raw    string // the key as written
	hasDef bool
}

// parseTemplate splits policy text into units, as policy/vars compiles it.
// With useVars false "${" is literal text.
func parseTemplate(text string, useVars bool) []tunit {
	t := vars.Compile(text, useVars)
	us := t.Units()
	out := make([]tunit, len(us))
	for i, u := range us {
		out[i] = tunit{kind: unitKind(u.Kind), text: u.Text, key: u.Key, raw: u.RawKey, hasDef: u.HasDefault}
	}
	return out
}

// templateVars lists the variable keys (lower case) of units.
func templateVars(units []tunit) []string {
	var out []string
	for _, u := range units {
		if u.kind == uVar {
			out = append(out, u.key)
		}
	}
	return out
}

// splitARN is vars.CompileARN's split, so that the solver reads an ARN
// pattern's components exactly as the engine does.
func splitARN(text string) ([5]string, bool) { return vars.SplitARN(text) }

// escapeValue writes units (variables already resolved into literals) back
// as policy text that means the same under the operator: "${" is written
// ${$}{, and for wildcard operators a literal '*' or '?' is ${*} or ${?}.
func escapeValue(units []tunit, wild bool) string {
	var b strings.Builder
	for _, u := range units {
		switch u.kind {
		case uStar:
			b.WriteByte('*')
		case uQm:
			b.WriteByte('?')
		case uLit:
			b.WriteString(escapeLiteral(u.text, wild))
		}
	}
	return b.String()
}

func escapeLiteral(s string, wild bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '$' && i+1 < len(s) && s[i+1] == '{':
			b.WriteString("${$}")
		case wild && c == '*':
			b.WriteString("${*}")
		case wild && c == '?':
			b.WriteString("${?}")
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
