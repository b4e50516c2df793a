package analysis_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
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

// diffResources holds, in every account the principals name (111..., 222...,
// 333...), a queue q and a resource of another partition, which only "*"
// and NotResource match: the root user or a named role of that account
// calls there within its own account (the long run found FAILs, each with
// a counterexample the engine allows, where the brute force had neither).
func diffResources(maxLen int) []string {
	out := []string{"*", "arn:aws:sqs:r:111111111111:q", "arn:aws:sqs:r:111111111111:p", "arn:aws:sqs:r:222222222222:q",
		"arn:aws:sqs:r:555555555555:p", "arn:aws:ec2:r:111111111111:i", "arn:aws:ec2:r:111111111111:q", "arn:aws:ec2:r:222222222222:i",
		"arn:aws:ec2:r:333333333333:i", "arn:aws:sqs:r:333333333333:q",
		"arn:aws-cn:ec2:r:111111111111:i", "arn:aws-cn:ec2:r:222222222222:i", "arn:aws-cn:ec2:r:333333333333:i"}
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

// Policy variables against brute force: ${aws:username} in resources and
// condition values (the caller is the IAM user of that name, or a role
// session, which has no aws:username), and the ABAC tag comparison
// ${aws:PrincipalTag/team}; every value is drawn from small universes that
// hold values equal to the policies' literals (alice, guest, red), values
// overlapping them (al, alicex, r) and fresh ones (zed, blue).

var varResPats = []string{
	"*", "arn:aws:s3:::b/${aws:username}/*", "arn:aws:s3:::b/${aws:username}", "arn:aws:s3:::b/alice/*",
	"arn:aws:s3:::b/al*", "arn:aws:s3:::b/*", "arn:aws:s3:::${aws:username}", "arn:aws:s3:::b/${aws:username}/${aws:username}",
	"arn:aws:s3:::*/alice", "arn:aws:s3:::b/${aws:username, 'guest'}/*", "arn:aws:s3:::b/?/*", "arn:aws:s3:::al*/*",
	// a KMS key ARN's resource part starts with key/: the engine then wants
	// a key policy (here none), whatever the identity policy says.
	"arn:aws:kms:r:111111111111:${aws:username}/*", "arn:aws:kms:*:*:*",
}

// varResPatsTags are the resource patterns of resource policies (where
// ${aws:username} is outside the fragment).
var varResPatsTags = []string{"*", "arn:aws:s3:::b/alice", "arn:aws:s3:::b/*", "arn:aws:s3:::*e", "arn:aws:s3:::${aws:PrincipalTag/team}", "arn:aws:s3:::r*"}

var varConds = []diffCond{
	{"StringEquals", "s3:prefix", []string{"${aws:username}"}},
	{"StringLike", "s3:prefix", []string{"${aws:username}/*"}},
	{"StringNotLike", "s3:prefix", []string{"al*"}},
	{"StringEquals", "s3:prefix", []string{"alice", "guest"}},
	{"StringNotEquals", "s3:prefix", []string{"${aws:username, 'guest'}"}},
	{"StringEqualsIgnoreCase", "s3:prefix", []string{"ALICE"}},
	{"StringEquals", "aws:ResourceTag/team", []string{"${aws:PrincipalTag/team}"}},
	{"StringNotEquals", "aws:ResourceTag/team", []string{"${aws:PrincipalTag/team}"}},
	{"StringEqualsIfExists", "aws:ResourceTag/team", []string{"red", "${aws:PrincipalTag/team}"}},
	{"StringEquals", "aws:PrincipalTag/team", []string{"red"}},
	{"StringLike", "aws:ResourceTag/team", []string{"r*"}},
	{"Null", "aws:PrincipalTag/team", []string{"true"}},
	{"Null", "aws:ResourceTag/team", []string{"false"}},
}

var varContext = map[string][]string{
	"s3:prefix":             {"alice", "al", "alice/zed", "b", "guest", "zed/alice", "alicex", "Alice", "guest/zed", "al/zed", "zed/zed", "Alice/zed"},
	"aws:principaltag/team": {"red", "alice", "al", "", "blue"},
	"aws:resourcetag/team":  {"red", "alice", "blue", "", "r"},
}

// varUsers are the callers' names; "" is a role session.
var varUsers = []string{"", "alice", "al", "b", "guest", "zed", "key", "Alice"}

func varResources() []string {
	segs := []string{"alice", "al", "b", "guest", "zed"}
	out := []string{"*", "arn:aws:sqs:r:111111111111:q"}
	for _, s := range append(segs, "key") {
		out = append(out, "arn:aws:kms:r:111111111111:"+s+"/x")
	}
	for _, s := range segs {
		out = append(out, "arn:aws:s3:::"+s)
		for _, t := range segs {
			out = append(out, "arn:aws:s3:::"+s+"/"+t, "arn:aws:s3:::b/"+s+"/"+t)
		}
	}
	return dedupeStrings(out)
}

func dedupeStrings(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func randomVarPolicy(r *rand.Rand, kind analysis.PolicyKind) string {
	resPats, conds := varResPats, varConds
	if kind == analysis.ResourcePolicy {
		resPats, conds = varResPatsTags, varConds[5:]
	}
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
		if r.Intn(3) == 0 {
			eff = "Deny"
		}
		parts = append(parts, fmt.Sprintf(`"Effect":%q`, eff))
		if kind == analysis.ResourcePolicy {
			parts = append(parts, `"Principal":`+diffPrincipals[r.Intn(2)])
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
		parts = append(parts, fmt.Sprintf(`%q:%s`, res, pick(resPats, 2)))
		if nc := r.Intn(3); nc > 0 {
			byOp := map[string]map[string][]string{}
			for j := 0; j < nc; j++ {
				c := conds[r.Intn(len(conds))]
				if byOp[c.op] == nil {
					byOp[c.op] = map[string][]string{}
				}
				byOp[c.op][c.key] = c.vals
			}
			var cb bytes.Buffer
			enc := json.NewEncoder(&cb)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(byOp)
			parts = append(parts, `"Condition":`+strings.TrimSpace(cb.String()))
		}
		stmts = append(stmts, "{"+strings.Join(parts, ",")+"}")
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
}

// varContexts lists every context of the keys the texts mention.
func varContexts(texts ...string) []map[string][]string {
	out := []map[string][]string{{}}
	for _, k := range []string{"s3:prefix", "aws:principaltag/team", "aws:resourcetag/team"} {
		named := false
		for _, t := range texts {
			if strings.Contains(strings.ToLower(t), k) {
				named = true
			}
		}
		if !named {
			continue
		}
		var next []map[string][]string
		for _, c := range out {
			next = append(next, c)
			for _, v := range varContext[k] {
				n := map[string][]string{k: {v}}
				for kk, vv := range c {
					n[kk] = vv
				}
				next = append(next, n)
			}
		}
		out = next
	}
	return out
}

// bruteVarRequests calls f on every request of the variables' universe
// until it returns true.
func bruteVarRequests(t *testing.T, kind analysis.PolicyKind, texts []string, f func(a, res, p string, facts *engine.Facts, ctx map[string][]string) bool) bool {
	ctxs := varContexts(texts...)
	var callers []string
	resources := varResources()
	if kind == analysis.IdentityPolicy {
		for _, u := range varUsers {
			if u == "" {
				callers = append(callers, "arn:aws:sts::777777777777:assumed-role/brute/brute")
			} else {
				callers = append(callers, "arn:aws:iam::777777777777:user/"+u)
			}
		}
	} else {
		callers = diffCallers()
		resources = []string{"*", "arn:aws:s3:::b/alice", "arn:aws:s3:::b/zed", "arn:aws:s3:::alice", "arn:aws:s3:::red", "arn:aws:s3:::blue", "arn:aws:s3:::", "arn:aws:s3:::al", "arn:aws:sqs:r:111111111111:q"}
	}
	for _, p := range callers {
		pr, err := engine.ParsePrincipal(p)
		if err != nil {
			t.Fatal(err)
		}
		facts := &engine.Facts{Principal: pr, PrincipalKeys: engine.PrincipalContext(pr)}
		for _, a := range diffActions {
			for _, res := range resources {
				for _, ctx := range ctxs {
					if f(a, res, p, facts, ctx) {
						return true
					}
				}
			}
		}
	}
	return false
}

func varBruteRequest(kind analysis.PolicyKind, cp *engine.Policy, a, res, p string, ctx map[string][]string) engine.Request {
	if kind == analysis.IdentityPolicy {
		return engine.Request{Principal: p, Action: a, Resource: res, ResourceAccount: "777777777777", Context: ctx, Policies: engine.Policies{Identity: []*engine.Policy{cp}}}
	}
	return bruteRequest(kind, cp, a, res, p, ctx)
}

func TestCheckVariablesDifferential(t *testing.T) {
	// CI: 40 identity and 8 resource pairs; IAMGATE_LONG=1: 4,000 and 800.
	pairs, resPairs := 40, 8
	if os.Getenv("IAMGATE_LONG") == "1" {
		pairs, resPairs = 4000, 800
	} else if *checkPairs > 0 {
		pairs, resPairs = *checkPairs, *checkPairs
	}
	for _, kind := range []analysis.PolicyKind{analysis.IdentityPolicy, analysis.ResourcePolicy} {
		t.Run(string(kind), func(t *testing.T) {
			r := rand.New(rand.NewSource(151))
			n := pairs
			typ := engine.IdentityPolicy
			if kind == analysis.ResourcePolicy {
				n, typ = resPairs, engine.ResourcePolicy
			}
			var fails, passes, unknown int
			for i := 0; i < n; i++ {
				oldText, newText := randomVarPolicy(r, kind), randomVarPolicy(r, kind)
				if r.Intn(4) == 0 {
					newText = oldText
				}
				oldP, newP := policy.MustParse("old.json", oldText), policy.MustParse("new.json", newText)
				oldCP, err := engine.Compile(oldP, typ, "old")
				if err != nil {
					t.Fatal(err)
				}
				newCP, _ := engine.Compile(newP, typ, "new")
				res, err := analysis.CheckNoNewAccess(oldP, newP, kind, analysis.CheckOptions{Actions: diffActions})
				var ue *analysis.UnknownError
				if errors.As(err, &ue) {
					unknown++
					t.Logf("pair %d: UNKNOWN %v", i, err)
					continue
				}
				if err != nil {
					t.Fatalf("pair %d: %v\nold %s\nnew %s", i, err, oldText, newText)
				}
				var qn, qo engine.Prepared
				brute := bruteVarRequests(t, kind, []string{oldText, newText}, func(a, rs, p string, facts *engine.Facts, ctx map[string][]string) bool {
					if err := varBruteRequest(kind, newCP, a, rs, p, ctx).PrepareWithInto(&qn, facts); err != nil {
						t.Fatal(err)
					}
					if engine.Authorize(&qn).Decision != engine.Allowed {
						return false
					}
					_ = varBruteRequest(kind, oldCP, a, rs, p, ctx).PrepareWithInto(&qo, facts)
					return engine.Authorize(&qo).Decision != engine.Allowed
				})
				if brute != (res.Result == analysis.Fail) {
					t.Fatalf("pair %d: brute force says new access %v, the check %s\nold %s\nnew %s\ncounterexamples %s", i, brute, res.Result, oldText, newText, res.Counterexamples)
				}
				if res.Result == analysis.Pass {
					passes++
					continue
				}
				fails++
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

// Metamorphic: renaming every variable-free literal consistently (rot13 on
// the letters of resource names, condition values and defaults, never on
// keys, services or actions) never changes the answer: the values the
// variables can take are closed under the renaming.
func TestCheckVariablesMetamorphic(t *testing.T) {
	n := 30
	if os.Getenv("IAMGATE_LONG") == "1" {
		n = 2000
	}
	r := rand.New(rand.NewSource(1513))
	for i := 0; i < n; i++ {
		kind := analysis.IdentityPolicy
		if i%5 == 4 {
			kind = analysis.ResourcePolicy
		}
		oldText, newText := randomVarPolicy(r, kind), randomVarPolicy(r, kind)
		base, err1 := analysis.CheckNoNewAccess(policy.MustParse("old", oldText), policy.MustParse("new", newText), kind, analysis.CheckOptions{Actions: diffActions})
		o2, n2 := renameLiterals(t, oldText), renameLiterals(t, newText)
		got, err2 := analysis.CheckNoNewAccess(policy.MustParse("old", o2), policy.MustParse("new", n2), kind, analysis.CheckOptions{Actions: diffActions})
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%d: errors %v and %v\n%s\n%s", i, err1, err2, o2, n2)
		}
		if err1 != nil {
			continue
		}
		if got.Result != base.Result {
			t.Fatalf("%d: renamed %s, original %s\nold %s\nnew %s\nrenamed old %s\nrenamed new %s", i, got.Result, base.Result, oldText, newText, o2, n2)
		}
	}
}

func rot13(s string) string {
	b := []byte(s)
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			b[i] = 'a' + (c-'a'+13)%26
		case 'A' <= c && c <= 'Z':
			b[i] = 'A' + (c-'A'+13)%26
		}
	}
	return string(b)
}

// renameLiterals applies rot13 to the literal text of a policy's s3
// resource names and String condition values, variables' keys left alone.
func renameLiterals(t *testing.T, text string) string {
	lit := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s); i++ {
			if s[i] == '$' && i+1 < len(s) && s[i+1] == '{' {
				j := strings.IndexAny(s[i:], ",}")
				b.WriteString(s[i : i+j]) // ${key
				i += j
				k := strings.IndexByte(s[i:], '}')
				b.WriteString(rot13(s[i : i+k+1])) // the default
				i += k
				continue
			}
			b.WriteString(rot13(s[i : i+1]))
		}
		return b.String()
	}
	return rewrite(t, text, func(stmts []map[string]any) []map[string]any {
		for _, st := range stmts {
			for _, el := range []string{"Resource", "NotResource"} {
				vs, _ := st[el].([]any)
				for i, v := range vs {
					if s := v.(string); strings.HasPrefix(s, "arn:aws:s3:::") {
						vs[i] = "arn:aws:s3:::" + lit(strings.TrimPrefix(s, "arn:aws:s3:::"))
					}
				}
			}
			cond, _ := st["Condition"].(map[string]any)
			for op, kv := range cond {
				if !strings.HasPrefix(op, "String") {
					continue
				}
				for k, vals := range kv.(map[string]any) {
					vs := vals.([]any)
					for i, v := range vs {
						vs[i] = lit(v.(string))
					}
					kv.(map[string]any)[k] = vs
				}
			}
		}
		return stmts
	})
}

// CheckAccessNotGranted with policy variables against brute force.
func TestCheckAccessNotGrantedVariablesDifferential(t *testing.T) {
	n := 30
	if os.Getenv("IAMGATE_LONG") == "1" {
		n = 2000
	}
	r := rand.New(rand.NewSource(152))
	listedRes := []string{"arn:aws:s3:::b/alice/*", "arn:aws:s3:::b/*", "arn:aws:s3:::zed", "arn:aws:s3:::*/guest", "arn:aws:kms:r:111111111111:*"}
	fails := 0
	for i := 0; i < n; i++ {
		text := randomVarPolicy(r, analysis.IdentityPolicy)
		p := policy.MustParse("p.json", text)
		cp, _ := engine.Compile(p, engine.IdentityPolicy, "p")
		var acts, ress []string
		if r.Intn(3) > 0 {
			ress = []string{listedRes[r.Intn(len(listedRes))]}
		}
		if len(ress) == 0 || r.Intn(2) == 0 {
			acts = []string{diffActionPats[r.Intn(len(diffActionPats))]}
		}
		res, err := analysis.CheckAccessNotGranted(p, analysis.IdentityPolicy, acts, ress, analysis.CheckOptions{Actions: diffActions})
		if err != nil {
			t.Fatalf("%d: %v\n%s", i, err, text)
		}
		var q engine.Prepared
		brute := bruteVarRequests(t, analysis.IdentityPolicy, []string{text}, func(a, rs, pr string, facts *engine.Facts, ctx map[string][]string) bool {
			okA := len(acts) == 0
			for _, x := range acts {
				if x == "*" || wildcard.MatchFold(x, a) {
					okA = true
				}
			}
			okR := len(ress) == 0
			for _, x := range ress {
				if rs != "*" && arnPatternMatch(x, rs) {
					okR = true
				}
			}
			if !okA || !okR {
				return false
			}
			if err := varBruteRequest(analysis.IdentityPolicy, cp, a, rs, pr, ctx).PrepareWithInto(&q, facts); err != nil {
				t.Fatal(err)
			}
			return engine.Authorize(&q).Decision == engine.Allowed
		})
		if brute != (res.Result == analysis.Fail) {
			t.Fatalf("%d: brute force %v, check %s\n%s\nactions %v resources %v\n%s", i, brute, res.Result, text, acts, ress, res.Counterexamples)
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
	t.Logf("%d policies, %d FAIL", n, fails)
}
