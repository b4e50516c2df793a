package wildcard_test

import (
	"testing"

	"github.com/iamgate/iamgate/wildcard"
)

// The IAM User Guide, "IAM JSON policy elements: Action" and "Resource":
// '*' matches any combination of characters, '?' any single character, and
// action names are case-insensitive.
func TestMatch(t *testing.T) {
	cases := []struct {
		pattern, s string
		want, fold bool
	}{
		{"*", "", true, true},
		{"*", "anything:at/all", true, true},
		{"", "", true, true},
		{"", "a", false, false},
		{"s3:Get*", "s3:GetObject", true, true},
		{"s3:Get*", "s3:getobject", false, true},
		{"s3:Get*", "s3:PutObject", false, false},
		{"s3:*Object", "s3:GetObject", true, true},
		{"s3:?etObject", "s3:GetObject", true, true},
		{"s3:?etObject", "s3:etObject", false, false},
		{"a*b*c", "aXXbYYc", true, true},
		{"a*b*c", "aXXbYY", false, false},
		{"a*b*c", "abc", true, true},
		{"*maskopy*", "snapshot:maskopy-1", true, true},
		{"*maskopy*", "snapshot:MASKOPY-1", false, true},
		{"a?", "aé", true, true}, // '?' is one character, not one byte
		{"**", "x", true, true},
		{"a*", "a", true, true},
		{"*a", "ba", true, true},
		{"*a", "bab", false, false},
	}
	for _, c := range cases {
		if got := wildcard.Match(c.pattern, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
		if got := wildcard.MatchFold(c.pattern, c.s); got != c.fold {
			t.Errorf("MatchFold(%q, %q) = %v, want %v", c.pattern, c.s, got, c.fold)
		}
	}
}

func FuzzMatch(f *testing.F) {
	f.Add("s3:Get*", "s3:GetObject")
	f.Add("a*b?c", "aXbYc")
	f.Fuzz(func(t *testing.T, p, s string) {
		_ = wildcard.Match(p, s)
		if wildcard.Match(p, s) && !wildcard.MatchFold(p, s) {
			t.Fatalf("Match(%q,%q) but not MatchFold", p, s)
		}
		if !wildcard.HasWildcard(p) && wildcard.Match(p, s) != (p == s) {
			t.Fatalf("literal pattern %q vs %q", p, s)
		}
	})
}

func BenchmarkMatchFold(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		wildcard.MatchFold("s3:Get*", "s3:GetObjectVersion")
	}
}

// Found by FuzzMatch: when the text runs out with pattern left, the matcher
// must still let an earlier '*' absorb more (here, after folding "b" to "B").
func TestBacktrackAtEnd(t *testing.T) {
	if !wildcard.MatchFold("*b?c", "B\xf2b0c") || !wildcard.Match("*b?c", "B\xf2b0c") {
		t.Fatal("want a match")
	}
	if !wildcard.Match("*ab", "aab") || wildcard.Match("*ab", "aa") || !wildcard.Match("a*", "a") {
		t.Fatal("backtracking")
	}
}

// '?' matches one character, also after a '*' (IAM User Guide, "IAM JSON
// policy elements: Condition operators", String condition operators: "?"
// matches any single character): "*??" needs two characters, so "€" (one
// character, three bytes) does not match it, and "é€" does.
func TestQuestionMarkAfterStarIsOneCharacter(t *testing.T) {
	for _, c := range []struct {
		p, s string
		want bool
	}{
		{"*??", "€", false},
		{"*??", "é€", true},
		{"*?", "€", true},
		{"a*?b", "a€b", true},
		{"a*??b", "a€b", false},
		{"*?€", "x€", true},
	} {
		if got := wildcard.Match(c.p, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.p, c.s, got, c.want)
		}
	}
}
