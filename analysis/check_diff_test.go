package analysis_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/policy"
)

// The differential test of the checks: random policy pairs over small
// alphabets, every action, resource, principal and context value drawn from
// finite universes, decided by brute force (the engine on every request of
// the universe) and by the checks. The universes hold every region the
// patterns can tell apart (resource names up to three characters over the
// letters the patterns use and one more), so both answers must agree; every
// counterexample is decided again by the engine through evaldoc.
// CheckNoNewAccess's semantics: the API reference,
// https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html.

var diffActions = []string{"svc:a", "svc:b", "svc:ab", "other:a", "other:ba"}

var diffActionPats = []string{"*", "svc:*", "svc:a", "svc:a*", "*:a", "other:*", "svc:?", "*:*b"}

var diffResPats = []string{
	"*", "arn:aws:s3:::x*", "arn:aws:s3:::*", "arn:aws:s3:::?", "arn:aws:s3:::x", "arn:aws:s3:::*y",
	"arn:aws:s3:::?y", "arn:aws:sqs:*:111111111111:*", "arn:aws:sqs:*:*:q", "arn:aws:*:*:*:*",
}

func diffResources(maxLen int) []string {
	out := []string{"*", "arn:aws:sqs:r:111111111111:q", "arn:aws:sqs:r:111111111111:p", "arn:aws:sqs:r:222222222222:q",
		"arn:aws:sqs:r:555555555555:p", "arn:aws:ec2:r:111111111111:i", "arn:aws:ec2:r:111111111111:q", "arn:aws:ec2:r:222222222222:i",
		"arn:aws:ec2:r:333333333333:i"}
	names := []string{""}
	out = append(out, "arn:aws:s3:::")
	for l := 0; l < maxLen; l++ {
		var next []string
		for _, n := range names {
			for _, c := range "xyz" {
				next = append(next, n+string(c))
			}
		}
		for _, n := range next {
			out = append(out, "arn:aws:s3:::"+n)
		}
		names = next
	}
	return out
}

type diffCond struct {
	op, key string
	vals    []string
}

var diffConds = []diffCond{
	{"StringEquals", "k:s", []string{"x"}},
	{"StringEquals", "k:s", []string{"x", "y"}},
	{"StringNotEquals", "k:s", []string{"y"}},
	{"StringLike", "k:s", []string{"x*"}},
	{"StringNotLike", "k:s", []string{"?"}},
	{"StringEqualsIgnoreCase", "k:s", []string{"X"}},
	{"StringEqualsIfExists", "k:s", []string{"y"}},
	{"NumericLessThan", "k:n", []string{"2"}},
	{"NumericGreaterThanEquals", "k:n", []string{"1"}},
	{"NumericEquals", "k:n", []string{"1"}},
	{"DateLessThan", "k:d", []string{"2024-01-01T00:00:00Z"}},
	{"DateGreaterThan", "k:d", []string{"2023-01-01T00:00:00Z"}},
	{"IpAddress", "aws:SourceIp", []string{"10.0.0.0/8"}},
	{"NotIpAddress", "aws:SourceIp", []string{"10.1.0.0/16"}},
	{"Bool", "aws:SecureTransport", []string{"true"}},
	{"BoolIfExists", "aws:SecureTransport", []string{"false"}},
	{"Null", "k:s", []string{"true"}},
	{"Null", "k:n", []string{"false"}},
	{"ForAnyValue:StringEquals", "k:m", []string{"x"}},
	{"ForAllValues:StringLike", "k:m", []string{"y*"}},
	{"ArnLike", "aws:SourceArn", []string{"arn:aws:s3:::x*"}},
}

// diffContext is each key's universe: absent, and the values below.
var diffContext = map[string][][]string{
	"k:s":                 {{"x"}, {"y"}, {"X"}, {"xy"}, {"z"}, {""}},
	"k:n":                 {{"0"}, {"1"}, {"1.5"}, {"2"}, {"3"}},
	"k:d":                 {{"2022-06-01T00:00:00Z"}, {"2023-01-01T00:00:00Z"}, {"2023-06-01T00:00:00Z"}, {"2024-01-01T00:00:00Z"}, {"2025-01-01T00:00:00Z"}},
	"aws:sourceip":        {{"10.1.2.3"}, {"10.2.0.1"}, {"11.0.0.1"}, {"::1"}},
	"aws:securetransport": {{"true"}, {"false"}},
	"k:m":                 {{}, {"x"}, {"y"}, {"z"}, {"x", "y"}, {"x", "z"}, {"y", "yx"}, {"x", "y", "z"}},
	"aws:sourcearn":       {{"arn:aws:s3:::x"}, {"arn:aws:s3:::xy"}, {"arn:aws:s3:::y"}, {"arn:aws:sqs:r:111111111111:q"}},
}

// The last principal names a role with its account: as NotPrincipal it
// exempts that role, not the account's other roles
// (TestCheckNoNewAccessNotPrincipalRole).
var diffPrincipals = []string{`"*"`, `{"AWS":"111111111111"}`, `{"AWS":"arn:aws:iam::222222222222:role/r1"}`, `{"AWS":["arn:aws:iam::111111111111:user/u1","333333333333"]}`, `{"Service":"lambda.amazonaws.com"}`, `{"AWS":["333333333333","arn:aws:iam::333333333333:role/r1"]}`}

func diffCallers() []string {
	out := []string{"anonymous", "lambda.amazonaws.com", "sns.amazonaws.com"}
	for _, a := range []string{"111111111111", "222222222222", "333333333333", "555555555555", "666666666666"} {
		out = append(out, "arn:aws:iam::"+a+":root", "arn:aws:iam::"+a+":user/u1",
			"arn:aws:iam::"+a+":role/r1", "arn:aws:iam::"+a+":role/r2", "arn:aws:sts::"+a+":assumed-role/r1/s")
	}
	return out
}

func randomPolicy(r *rand.Rand, kind analysis.PolicyKind) string {
	n := 1 + r.Intn(3)
	var stmts []string
	pick := func(xs []string, max int) string {
		k := 1 + r.Intn(max)
		var out []string
		for i := 0; i < k; i++ {
			out = append(out, fmt.Sprintf("%q", xs[r.Intn(len(xs))]))
		}
		return "[" + strings.Join(out, ",") + "]"
	}
	for i := 0; i < n; i++ {
		var parts []string
		eff := "Allow"
		if r.Intn(4) == 0 {
			eff = "Deny"
		}
		parts = append(parts, fmt.Sprintf(`"Effect":%q`, eff))
		if kind == analysis.ResourcePolicy {
			w := "Principal"
			if r.Intn(8) == 0 {
				w = "NotPrincipal"
			}
			parts = append(parts, fmt.Sprintf(`%q:%s`, w, diffPrincipals[r.Intn(len(diffPrincipals))]))
		}
		a := "Action"
		if r.Intn(6) == 0 {
			a = "NotAction"
		}
		parts = append(parts, fmt.Sprintf(`%q:%s`, a, pick(diffActionPats, 2)))
		res := "Resource"
		if r.Intn(6) == 0 {
			res = "NotResource"
		}
		parts = append(parts, fmt.Sprintf(`%q:%s`, res, pick(diffResPats, 2)))
		if nc := r.Intn(3); nc > 0 {
			byOp := map[string]map[string][]string{}
			for j := 0; j < nc; j++ {
				c := diffConds[r.Intn(len(diffConds))]
				if byOp[c.op] == nil {
					byOp[c.op] = map[string][]string{}
				}
				byOp[c.op][c.key] = c.vals
			}
			cb, _ := json.Marshal(byOp)
			parts = append(parts, `"Condition":`+string(cb))
		}
		stmts = append(stmts, "{"+strings.Join(parts, ",")+"}")
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// bruteRequest builds the request the checks' model gives for action a on
// resource res by caller p (identity policies: one user in the resource's
// account; resource policies: the resource's account from its ARN, else
// one the policies do not name; another account's caller has an identity
// policy allowing everything).
func bruteRequest(kind analysis.PolicyKind, cp *engine.Policy, a, res, p string, ctx map[string][]string) engine.Request {
	req := engine.Request{Action: a, Resource: res, Context: ctx}
	if kind == analysis.IdentityPolicy {
		req.Principal = "arn:aws:iam::777777777777:user/brute"
		req.ResourceAccount = "777777777777"
		req.Policies.Identity = []*engine.Policy{cp}
		return req
	}
	req.Principal = p
	req.ResourceAccount = "666666666666"
	if parts := strings.Split(res, ":"); len(parts) > 4 && len(parts[4]) == 12 {
		req.ResourceAccount = parts[4]
	}
	req.Policies.Resource = cp
	if pr, err := engine.ParsePrincipal(p); err == nil && pr.Account != "" && pr.Account != req.ResourceAccount {
		req.Policies.Identity = []*engine.Policy{allowAllCP}
	}
	return req
}

var allowAllCP = engine.MustCompile(engine.IdentityPolicy, "all", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)

// mentionedKeys lists the context keys a policy text names.
func mentionedKeys(texts ...string) []string {
	var out []string
	for k := range diffContext {
		for _, t := range texts {
			if strings.Contains(strings.ToLower(t), `"`+k+`"`) {
				out = append(out, k)
				break
			}
		}
	}
	return out
}

// bruteNoNewAccess reports whether some request of the universe is allowed
// by new and not by old.
func bruteNoNewAccess(t *testing.T, kind analysis.PolicyKind, oldCP, newCP *engine.Policy, keys []string, resources []string) bool {
	callers := []string{""}
	if kind == analysis.ResourcePolicy {
		callers = diffCallers()
	}
	var ctxs []map[string][]string
	var rec func(i int, cur map[string][]string)
	rec = func(i int, cur map[string][]string) {
		if i == len(keys) {
			c := map[string][]string{}
			for k, v := range cur {
				c[k] = v
			}
			ctxs = append(ctxs, c)
			return
		}
		rec(i+1, cur)
		for _, v := range diffContext[keys[i]] {
			cur[keys[i]] = v
			rec(i+1, cur)
			delete(cur, keys[i])
		}
	}
	rec(0, map[string][]string{})
	for _, a := range diffActions {
		for _, res := range resources {
			for _, p := range callers {
				rn := bruteRequest(kind, newCP, a, res, p, nil)
				ro := bruteRequest(kind, oldCP, a, res, p, nil)
				pr, err := engine.ParsePrincipal(rn.Principal)
				if err != nil {
					t.Fatal(err)
				}
				facts := &engine.Facts{Principal: pr, PrincipalKeys: engine.PrincipalContext(pr)}
				for _, ctx := range ctxs {
					rn.Context, ro.Context = ctx, ctx
					qn, err := rn.PrepareWith(facts)
					if err != nil {
						t.Fatal(err)
					}
					if engine.Authorize(qn).Decision != engine.Allowed {
						continue
					}
					qo, _ := ro.PrepareWith(facts)
					if engine.Authorize(qo).Decision != engine.Allowed {
						return true
					}
				}
			}
		}
	}
	return false
}

func decideDoc(t *testing.T, doc []byte) engine.Decision {
	t.Helper()
	req, err := evaldoc.Parse("counterexample", doc)
	if err != nil {
		t.Fatalf("counterexample does not parse: %v\n%s", err, doc)
	}
	q, err := req.Prepare()
	if err != nil {
		t.Fatalf("counterexample does not prepare: %v\n%s", err, doc)
	}
	return engine.Authorize(q).Decision
}

// swapPolicy puts p in the counterexample's place of the checked policy.
func swapPolicy(t *testing.T, kind analysis.PolicyKind, doc []byte, p string) []byte {
	var d evaldoc.Document
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatal(err)
	}
	if kind == analysis.IdentityPolicy {
		d.Policies.Identity = []json.RawMessage{json.RawMessage(p)}
	} else {
		d.Policies.Resource = json.RawMessage(p)
	}
	b, _ := json.Marshal(d)
	return b
}

// checkPairs overrides the number of pairs of each kind.
var checkPairs = flag.Int("check.pairs", 0, "pairs of each policy kind for TestCheckNoNewAccessDifferential (0: the defaults)")

func TestCheckNoNewAccessDifferential(t *testing.T) {
	// CI: 60 identity and 16 resource pairs (resource pairs cost more:
	// every caller is decided); IAMGATE_LONG=1 runs the long version,
	// TestCheckDifferentialLong.
	pairs, resPairs := 60, 16
	if testing.Short() {
		pairs, resPairs = 20, 5
	}
	if *checkPairs > 0 {
		pairs, resPairs = *checkPairs, *checkPairs
	}
	for _, kind := range []analysis.PolicyKind{analysis.IdentityPolicy, analysis.ResourcePolicy} {
		t.Run(string(kind), func(t *testing.T) {
			r := rand.New(rand.NewSource(15))
			resources := diffResources(3)
			if kind == analysis.ResourcePolicy {
				resources = diffResources(2)
			}
			n := pairs
			if kind == analysis.ResourcePolicy {
				n = resPairs
			}
			var fails, passes, unknown int
			for i := 0; i < n; i++ {
				oldText := randomPolicy(r, kind)
				newText := randomPolicy(r, kind)
				if r.Intn(3) == 0 {
					newText = oldText // equal policies pass
				}
				oldP := policy.MustParse("old.json", oldText)
				newP := policy.MustParse("new.json", newText)
				typ := engine.IdentityPolicy
				if kind == analysis.ResourcePolicy {
					typ = engine.ResourcePolicy
				}
				oldCP, err := engine.Compile(oldP, typ, "old")
				if err != nil {
					t.Fatal(err)
				}
				newCP, _ := engine.Compile(newP, typ, "new")
				res, err := analysis.CheckNoNewAccess(oldP, newP, kind, analysis.CheckOptions{Actions: diffActions})
				var ue *analysis.UnknownError
				if errors.As(err, &ue) {
					unknown++
					continue
				}
				if err != nil {
					t.Fatalf("pair %d: %v\nold %s\nnew %s", i, err, oldText, newText)
				}
				brute := bruteNoNewAccess(t, kind, oldCP, newCP, mentionedKeys(oldText, newText), resources)
				if brute != (res.Result == analysis.Fail) {
					t.Fatalf("pair %d: brute force says new access %v, the check %s\nold %s\nnew %s\ncounterexamples %s", i, brute, res.Result, oldText, newText, res.Counterexamples)
				}
				if res.Result == analysis.Pass {
					passes++
					continue
				}
				fails++
				if len(res.Counterexamples) == 0 || len(res.Reasons) == 0 {
					t.Fatalf("pair %d: FAIL without counterexample or reason", i)
				}
				for _, ce := range res.Counterexamples {
					if d := decideDoc(t, ce); d != engine.Allowed {
						t.Fatalf("pair %d: counterexample is %s under new\n%s", i, d, ce)
					}
					if d := decideDoc(t, swapPolicy(t, kind, ce, oldText)); d == engine.Allowed {
						t.Fatalf("pair %d: counterexample is allowed under old\n%s", i, ce)
					}
				}
			}
			t.Logf("%s: %d pairs, %d FAIL, %d PASS, %d UNKNOWN", kind, n, fails, passes, unknown)
			if unknown > n/4 {
				t.Errorf("%d of %d answers UNKNOWN", unknown, n)
			}
		})
	}
}

// CheckNoPublicAccess against brute force: some request from an anonymous
// caller or one of an account no policy names (444444444444) is allowed,
// with aws:SourceIp, if the policy compares it, outside every CIDR it names
// (the S3 User Guide's "The meaning of public": a set of CIDRs is not
// public; aws:SourceArn's values here are all patterns, so every value
// counts).
func TestCheckNoPublicAccessDifferential(t *testing.T) {
	n := 30 // IAMGATE_LONG=1: TestCheckDifferentialLong
	if *checkPairs > 0 {
		n = *checkPairs
	}
	r := rand.New(rand.NewSource(31))
	resources := diffResources(2)
	callers := []string{"anonymous"}
	for _, m := range []string{":root", ":user/u9", ":role/r9", ":role/r1", ":user/u1"} {
		callers = append(callers, "arn:aws:iam::444444444444"+m)
	}
	callers = append(callers, "arn:aws:sts::444444444444:assumed-role/r1/s")
	fails := 0
	for i := 0; i < n; i++ {
		text := randomPolicy(r, analysis.ResourcePolicy)
		p := policy.MustParse("p.json", text)
		cp, _ := engine.Compile(p, engine.ResourcePolicy, "p")
		res, err := analysis.CheckNoPublicAccess(p, "AWS::S3::Bucket", analysis.CheckOptions{Actions: diffActions})
		if err != nil {
			t.Fatalf("%d: %v\n%s", i, err, text)
		}
		var ctxs []map[string][]string
		for _, c := range contexts(mentionedKeys(text)) {
			if ip, ok := c["aws:sourceip"]; ok && strings.HasPrefix(ip[0], "10.") {
				continue // inside 10.0.0.0/8, the only CIDRs the generator names
			}
			ctxs = append(ctxs, c)
		}
		brute := false
	search:
		for _, a := range diffActions {
			for _, rs := range resources {
				for _, c := range callers {
					for _, ctx := range ctxs {
						q, err := bruteRequest(analysis.ResourcePolicy, cp, a, rs, c, ctx).Prepare()
						if err != nil {
							t.Fatal(err)
						}
						if engine.Authorize(q).Decision == engine.Allowed {
							brute = true
							break search
						}
					}
				}
			}
		}
		if brute != (res.Result == analysis.Fail) {
			t.Fatalf("%d: brute force public %v, the check %s\n%s\n%s", i, brute, res.Result, text, res.Counterexamples)
		}
		if res.Result == analysis.Fail {
			fails++
		}
		for _, ce := range res.Counterexamples {
			if decideDoc(t, ce) != engine.Allowed {
				t.Fatalf("%d: counterexample not allowed\n%s", i, ce)
			}
		}
	}
	t.Logf("%d policies, %d public", n, fails)
}
