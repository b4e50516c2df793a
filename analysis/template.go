package analysis

import (
	"strings"

	"github.com/iamgate/iamgate/policy/vars"
)

// This file mirrors the policy-variable grammar of policy/vars (Compile and
// parseVar) so that the solver can see the structure of a value: literal
// text, '*', '?' and ${key} references. vars keeps that structure private;
// parseTemplate cross-checks itself against vars.Variables so that a
// divergence is reported as UNKNOWN instead of answered.

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

// parseTemplate splits policy text into units. With vars false "${" is
// literal text.
func parseTemplate(text string, vars bool) []tunit {
	var out []tunit
	lit := func(s string) {
		if s == "" {
			return
		}
		if n := len(out); n > 0 && out[n-1].kind == uLit {
			out[n-1].text += s
			return
		}
		out = append(out, tunit{kind: uLit, text: s})
	}
	start := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '*' || c == '?':
			lit(text[start:i])
			k := uStar
			if c == '?' {
				k = uQm
			}
			out = append(out, tunit{kind: k})
			start = i + 1
		case c == '$' && vars && i+1 < len(text) && text[i+1] == '{':
			key, def, hasDef, n, ok := parseVar(text[i:])
			if !ok {
				continue
			}
			lit(text[start:i])
			switch key {
			case "*", "?", "$":
				lit(key)
			default:
				out = append(out, tunit{kind: uVar, key: strings.ToLower(key), raw: key, text: def, hasDef: hasDef})
			}
			i += n - 1
			start = i + 1
		}
	}
	lit(text[start:])
	return out
}

func parseVar(s string) (key, def string, hasDef bool, n int, ok bool) {
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
		return "", "", false, 0, false
	}
	body := s[2:end]
	key = body
	if j := strings.IndexByte(body, ','); j >= 0 {
		key = body[:j]
		d := strings.TrimSpace(body[j+1:])
		if len(d) < 2 || d[0] != '\'' || d[len(d)-1] != '\'' {
			return "", "", false, 0, false
		}
		def, hasDef = strings.ReplaceAll(d[1:len(d)-1], "''", "'"), true
	}
	key = strings.TrimSpace(key)
	if key == "" || strings.ContainsAny(key, " \t'{") {
		return "", "", false, 0, false
	}
	return key, def, hasDef, end + 1, true
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
