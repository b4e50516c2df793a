package engine_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"strings"
	"testing"
	"time"

	"github.com/iamgate/iamgate/engine"
)

// TestPrepareWithAgrees is the differential test of PrepareWith's layered
// context (the request's own keys held inline up to a few, or looked up in
// the map beyond, in any case; facts with and without their KeyFilters)
// against Prepare with the facts merged into the context: the same
// decisions and explanations, before and after WithContext, for contexts
// of 0 to 10 keys.
func TestPrepareWithAgrees(t *testing.T) {
	var conds []string
	for i := 0; i < 10; i++ {
		conds = append(conds, fmt.Sprintf(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*","Condition":{"StringEquals":{"test:K%d":"v"}}}`, i))
	}
	conds = append(conds,
		`{"Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"test:deny":"yes"}}}`,
		`{"Effect":"Allow","Action":"s3:PutObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"${aws:ResourceTag/team}"}}}`,
		`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"Null":{"aws:ResourceAccount":"false"},"DateGreaterThan":{"aws:CurrentTime":"2020-01-01T00:00:00Z"}}}`)
	id := engine.MustCompile(engine.IdentityPolicy, "id", `{"Version":"2012-10-17","Statement":[`+strings.Join(conds, ",")+`]}`)
	principal := "arn:aws:iam::111111111111:user/alice"
	p, err := engine.ParsePrincipal(principal)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewSource(1))
	cases := func(k string) string {
		switch rng.Intn(5) {
		case 0:
			return strings.ToUpper(k)
		case 1:
			return strings.ToLower(k)
		case 2:
			// The Kelvin sign lower-cases to k; the long s is lower case
			// but folds to s (EqualFold), so it names another key.
			return strings.NewReplacer("K", "\u212a", "s", "\u017f").Replace(k)
		case 3:
			return k + "\xff" // invalid UTF-8
		}
		return k
	}
	keys := []string{"test:K0", "test:K1", "test:K2", "test:K3", "test:K4", "test:K5", "test:K6", "test:K7", "test:K8", "test:K9",
		"test:deny", "aws:PrincipalTag/team", "aws:ResourceTag/team", "aws:username", "aws:CurrentTime"}
	values := [][]string{{"v"}, {"w"}, {"yes"}, {"a"}, {"2024-01-01T00:00:00Z"}}
	for i := 0; i < 3000; i++ {
		ctx := map[string][]string{}
		lower := map[string]bool{}
		for n := rng.Intn(11); len(ctx) < n; {
			k := keys[rng.Intn(len(keys))]
			if lower[strings.ToLower(k)] {
				continue // one spelling of a key per context
			}
			lower[strings.ToLower(k)] = true
			ctx[cases(k)] = values[rng.Intn(len(values))]
		}
		principalKeys := engine.PrincipalContext(p)
		resourceKeys := map[string][]string{}
		if rng.Intn(2) == 0 {
			principalKeys["aws:principaltag/team"] = values[rng.Intn(2)+2]
		}
		if rng.Intn(2) == 0 {
			resourceKeys["aws:resourcetag/team"] = values[rng.Intn(2)+2]
		}
		req := engine.Request{Principal: principal, Action: []string{"s3:GetObject", "S3:PutObject", "s3:ListBucket"}[rng.Intn(3)],
			Resource: "arn:aws:s3:::b/k", Context: ctx, Policies: engine.Policies{Identity: []*engine.Policy{id}}}
		if rng.Intn(2) == 0 {
			req.Time = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		}
		facts := &engine.Facts{Principal: p, PrincipalKeys: principalKeys, ResourceKeys: resourceKeys}
		if rng.Intn(3) > 0 {
			facts.PrincipalFilter, facts.ResourceFilter = engine.NewKeyFilter(principalKeys), engine.NewKeyFilter(resourceKeys)
		}
		layered, err := req.PrepareWith(facts)
		if err != nil {
			t.Fatal(err)
		}
		merged := map[string][]string{}
		for k, v := range principalKeys {
			merged[k] = v
		}
		for k, v := range resourceKeys {
			merged[k] = v
		}
		for k, v := range ctx {
			delete(merged, strings.ToLower(k))
			merged[k] = v
		}
		plain := req
		plain.Context = merged
		want, err := plain.Prepare()
		if err != nil {
			t.Fatal(err)
		}
		sameDecision(t, fmt.Sprintf("%d %v", i, ctx), layered, want)
		remove := []string{keys[rng.Intn(len(keys))], "AWS:PrincipalTag/Team"}
		set := map[string][]string{cases(keys[rng.Intn(len(keys))]): values[rng.Intn(len(values))]}
		sameDecision(t, fmt.Sprintf("%d %v without %v with %v", i, ctx, remove, set), layered.WithContext(set, remove), want.WithContext(set, remove))
	}
}

// TestLowerIs: lowerIs(s, l) is strings.ToLower(s) == l.
func TestLowerIs(t *testing.T) {
	for _, s := range []string{"", "a", "A", "aws:SourceIp", "\u212a", "\u017f", "AWS:\u017fOURCE", "\xff", "a\xffB", "\u0130", "ǅ", "ΣΑΣ", "\xe2\x84"} {
		l := strings.ToLower(s)
		for _, cand := range []string{l, strings.ToUpper(s), s, l + "x", "", strings.TrimSuffix(l, "a")} {
			if got, want := engine.LowerIs(s, cand), strings.ToLower(s) == cand; got != want {
				t.Errorf("lowerIs(%q, %q) = %v, want %v", s, cand, got, want)
			}
		}
	}
}

func sameDecision(t *testing.T, name string, got, want *engine.Prepared) {
	t.Helper()
	if a, b := engine.Authorize(got), engine.Authorize(want); a != b {
		t.Fatalf("%s: PrepareWith %v, Prepare %v", name, a, b)
	}
	a, _ := json.Marshal(engine.Explain(got))
	b, _ := json.Marshal(engine.Explain(want))
	if string(a) != string(b) {
		t.Fatalf("%s: explanations differ:\nPrepareWith %s\nPrepare     %s", name, a, b)
	}
}

// TestSmallIndex: a list index finds exactly the equal key, for keys
// shorter and longer than the 16 bytes packed beside each.
func TestSmallIndex(t *testing.T) {
	keys := []string{"s3:getobject", "s3:getobjectacl", "s3:getobjectversion", "s3:getobjectversionacl", "", "s", "sts:assumerole", "sts:assumerolf"}
	for _, key := range append(keys, "s3:getobjec", "s3:getobjectx", "s3:getobjectversionacm", "sts:assumerol", "t", "s3:getobject\x00") {
		want := -1
		for i, k := range keys {
			if k == key {
				want = i
			}
		}
		if got := engine.SmallIndexFinds(keys, key); got != want {
			t.Errorf("%q: found %d, want %d", key, got, want)
		}
	}
}

// TestKeyFilter: a filter never rules out a key of its set.
func TestKeyFilter(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 2000; i++ {
		m := map[string][]string{}
		for n := rng.Intn(12); len(m) < n; {
			b := make([]byte, rng.Intn(30))
			for j := range b {
				b[j] = byte(rng.Intn(256))
			}
			m[string(b)] = nil
		}
		f := engine.NewKeyFilter(m)
		if f == 0 {
			t.Fatal("a filter is never zero")
		}
		for k := range m {
			if !engine.FilterMayHold(f, k) {
				t.Fatalf("filter of %q rules out %q", m, k)
			}
		}
	}
}
