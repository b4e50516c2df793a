package engine_test

import (
	"math/rand"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/arn"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy/vars"
)

type mapResolver map[string][]string

func (m mapResolver) Lookup(k string) ([]string, bool) { v, ok := m[k]; return v, ok }

// TestResourcePrefix: an ARN that a Resource pattern matches, or for which
// a variable in it cannot be resolved (which voids the statement), starts
// with the pattern's prefix; so skipping Match for ARNs without it decides
// the same. For literal patterns and those ending in their only '*', the
// prefix alone decides as Match does. Random patterns and ARNs over a
// small alphabet of ARN pieces.
func TestResourcePrefix(t *testing.T) {
	pieces := []string{"arn", ":", "aws", "s3", "iam", "b", "B", "/", "*", "?", "${aws:username}", "${aws:none}", "${*}", "$", "{", "}", "k", "111111111111", "::"}
	rng := rand.New(rand.NewSource(3))
	gen := func(n int) string {
		var sb strings.Builder
		for i := 0; i < n; i++ {
			sb.WriteString(pieces[rng.Intn(len(pieces))])
		}
		return sb.String()
	}
	res := mapResolver{"aws:username": {"k"}}
	checked, fastDecided := 0, 0
	for i := 0; i < 200000; i++ {
		pat := gen(rng.Intn(10))
		if rng.Intn(2) == 0 {
			pat = "arn:aws:s3:::" + gen(rng.Intn(4))
		}
		a := strings.NewReplacer("*", "x", "?", "y").Replace(pat)
		if rng.Intn(2) == 0 {
			a = gen(rng.Intn(10))
		}
		if rng.Intn(3) == 0 {
			a = "arn:aws:s3:::" + gen(rng.Intn(4))
		}
		parsed, err := arn.Parse(a)
		if err != nil {
			continue
		}
		prefix := engine.ResourcePrefix(pat)
		for _, useVars := range []bool{false, true} {
			p := vars.CompileARN(pat, useVars)
			ok, resolved := p.Match(parsed, res)
			if (ok || !resolved) && !strings.HasPrefix(a, prefix) {
				t.Fatalf("pattern %q (variables %v) prefix %q: %q matches=%v resolved=%v without the prefix", pat, useVars, prefix, a, ok, resolved)
			}
			if ok {
				checked++
			}
			if fast, decided := engine.ResourceFastMatch(pat, a); decided && (fast != ok || !resolved) {
				t.Fatalf("pattern %q (variables %v): %q fast match %v, Match %v resolved %v", pat, useVars, a, fast, ok, resolved)
			} else if decided {
				fastDecided++
			}
		}
	}
	if checked < 1000 || fastDecided < 1000 {
		t.Fatalf("only %d matches checked, %d decided by the prefix alone", checked, fastDecided)
	}
}
