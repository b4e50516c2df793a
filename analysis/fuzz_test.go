package analysis

import (
	"testing"
	"unicode/utf8"

	"github.com/iamgate/iamgate/policy/vars"
)

func (n *nfa) run(s string) bool {
	st := n.initial()
	for _, r := range s {
		st = n.next(st, r)
	}
	return n.accepts(st)
}

// FuzzSolverLanguages checks the solver's automata against policy/vars, the
// matcher the engine uses: a glob pattern read as StringLike, StringEquals,
// StringEqualsIgnoreCase and ArnLike accepts exactly the strings vars
// matches (for valid UTF-8 text, patterns without variables or "*?").
func FuzzSolverLanguages(f *testing.F) {
	for _, s := range [][2]string{{"a*b", "axxb"}, {"?", "é"}, {"*", ""}, {"a${*}", "a*"}, {"AB", "ab"},
		{"arn:aws:s3:::b*", "arn:aws:s3:::bx"}, {"arn:*:s?:::a", "arn:aws:s3:::a"}, {"arn:aws:s3:::a:b", "arn:aws:s3:::a:b"}, {"*", "x"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if !utf8.ValidString(pattern) || !utf8.ValidString(s) || len(pattern) > 64 || len(s) > 64 {
			return
		}
		units := parseTemplate(pattern, true)
		if hasVars(units) {
			return
		}
		if err := crossCheck(pattern, units); err != nil {
			t.Fatalf("%q: %v", pattern, err)
		}
		tmpl := vars.Compile(pattern, true)
		want, _ := tmpl.Like(s, nil, false)
		if got := globNFA(units, true, false).run(s); got != want {
			t.Fatalf("StringLike %q on %q: automaton %v, vars %v", pattern, s, got, want)
		}
		want, _ = tmpl.Equal(s, nil, false)
		if got := globNFA(units, false, false).run(s); got != want {
			t.Fatalf("StringEquals %q on %q: automaton %v, vars %v", pattern, s, got, want)
		}
		want, _ = tmpl.Equal(s, nil, true)
		if got := globNFA(units, false, true).run(s); got != want {
			t.Fatalf("StringEqualsIgnoreCase %q on %q: automaton %v, vars %v", pattern, s, got, want)
		}
		if pattern == "*" {
			return
		}
		comps, ok := splitARN(pattern)
		if !ok {
			return
		}
		var rc [5][]tunit
		for i := range comps {
			rc[i] = parseTemplate(comps[i], true)
		}
		ap := vars.CompileARN(pattern, true)
		want, _ = ap.MatchString(s, nil)
		if got := arnNFA(rc).run(s); got != want {
			t.Fatalf("ArnLike %q on %q: automaton %v, vars %v", pattern, s, got, want)
		}
	})
}
