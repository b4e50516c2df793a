package analysis_test

import (
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
)

// The differential test: on random documents over small alphabets, the
// formula's value on a random completion (its conditions evaluated by
// policy/condition) must equal the engine's decision on the completed
// request. The long run (-allowedif.long or IAMGATE_LONG=1) decides at least
// one million completions per operator family.
var long = flag.Bool("allowedif.long", false, "run the long differential test (1M contexts per operator family)")

type family struct {
	name string
	ops  []string
	// policy values, and request values (the key's universe, typed)
	values, ctx []string
	multi       bool
	unknownOK   bool
}

var families = []family{
	{name: "StringEquals", ops: []string{"StringEquals", "StringNotEquals"},
		values: []string{"", "a", "b", "ab", "*", "a?"}, ctx: []string{"", "a", "b", "ab", "ba", "*", "a?", "c"}},
	{name: "StringLike", ops: []string{"StringLike", "StringNotLike", "StringEquals"},
		values: []string{"a*", "*b", "a?", "*", "?", "a*b", "*a*", "ab", "${*}a", "?b*"}, ctx: []string{"", "a", "b", "ab", "ba", "abb", "aab", "*a", "é", "éb", "c"}},
	{name: "StringIgnoreCase", ops: []string{"StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringEquals"},
		values: []string{"a", "AB", "b", "a*", "Ab"}, ctx: []string{"a", "A", "ab", "AB", "aB", "b", "B", "c", ""}},
	{name: "Arn", ops: []string{"ArnLike", "ArnNotLike", "ArnEquals", "ArnNotEquals", "StringLike"},
		values: []string{"arn:aws:s3:::b*", "arn:aws:s3:::*", "arn:*:s3:::a", "arn:aws:*:*:*:*", "*", "arn:aws:s?:::a", "arn:aws:s3:::a:b"},
		ctx:    []string{"arn:aws:s3:::b", "arn:aws:s3:::a", "arn:aws:ec2:::a", "x", "arn::s3:::a", "arn:aws:s3:::ba", "arn:aws:s3:::a:b", "arn:aws:sq:::a", "arn:aws:s3::1:a"}},
	{name: "Numeric", ops: []string{"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals"},
		values: []string{"1", "2", "2.5", "-1", "10", "x"}, ctx: []string{"0", "1", "1.5", "2", "2.5", "3", "-1", "-2", "10", "11", "1.0", "2e0"}},
	{name: "Date", ops: []string{"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals"},
		values: []string{"2024-01-01T00:00:00Z", "2024-06-01T00:00:00Z", "1700000000", "2024-01-01"},
		ctx:    []string{"2023-01-01T00:00:00Z", "2024-01-01T00:00:00Z", "2024-01-01T00:00:01Z", "2024-03-01T00:00:00Z", "2024-06-01T00:00:00Z", "2025-01-01T00:00:00Z", "1700000000", "1699999999", "1704067200"}},
	{name: "IpAddress", ops: []string{"IpAddress", "NotIpAddress"},
		values: []string{"10.0.0.0/8", "10.1.0.0/16", "192.168.1.1", "2001:db8::/32", "::/0", "0.0.0.0/0", "2001:db8:1::/48"},
		ctx:    []string{"10.0.0.1", "10.1.2.3", "11.0.0.1", "192.168.1.1", "192.168.1.2", "2001:db8::1", "2001:db8:1::5", "2001:db9::1", "::1", "0.0.0.0"}},
	{name: "Bool", ops: []string{"Bool"}, values: []string{"true", "false", "TRUE"}, ctx: []string{"true", "false", "TRUE", "False"}},
	{name: "Binary", ops: []string{"BinaryEquals"}, values: []string{"QUJD", "ZGVm", " QUJD"}, ctx: []string{"QUJD", "ZGVm", "eHl6"}},
	{name: "Null", ops: []string{"Null", "StringEquals", "StringLike"}, values: []string{"a", "b*"}, ctx: []string{"a", "b", "bb", "c"}},
	{name: "ForAnyValue StringEquals", multi: true,
		ops:    []string{"ForAnyValue:StringEquals", "ForAllValues:StringEquals", "ForAllValues:StringNotEquals", "ForAnyValue:StringNotEquals", "StringEquals", "StringNotEqualsIgnoreCase"},
		values: []string{"a", "b", "c", "A"}, ctx: []string{"a", "b", "c", "A", "d"}},
	// Regions of Like patterns are often not one operator: UNKNOWN is allowed.
	{name: "ForAnyValue StringLike", multi: true, unknownOK: true,
		ops:    []string{"ForAnyValue:StringEquals", "ForAllValues:StringEquals", "ForAnyValue:StringLike", "ForAllValues:StringNotEquals", "ForAnyValue:StringNotLike", "ForAllValues:StringLike"},
		values: []string{"a", "b", "a*", "*b"}, ctx: []string{"a", "b", "c", "ab", "d", "a*"}},
	{name: "ForAnyValue IpAddress", multi: true,
		ops:    []string{"ForAnyValue:IpAddress", "ForAllValues:IpAddress", "ForAnyValue:NotIpAddress", "ForAllValues:NotIpAddress", "IpAddress"},
		values: []string{"10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32"}, ctx: []string{"10.0.0.1", "10.1.0.1", "11.0.0.1", "2001:db8::1", "::1"}},
	{name: "PolicyVariables", ops: []string{"StringEquals", "StringLike", "StringEqualsIgnoreCase", "StringNotEquals"},
		values: []string{"a", "${test:k}", "${aws:username}", "x/${test:k}", "${aws:username}*", "${test:z, 'dflt'}", "${test:z}"},
		ctx:    []string{"alice", "ALICE", "x", "", "ali", "bob", "x/alice", "dflt"}},
}

var keys = []string{"test:a", "test:b"}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.Intn(len(xs))] }

func randCondition(r *rand.Rand, f family, key string) (string, string, []string) {
	op := pick(r, f.ops)
	if op == "Null" {
		return op, key, []string{pick(r, []string{"true", "false"})}
	}
	if !f.multi && op != "Bool" && r.Intn(4) == 0 {
		op += "IfExists"
	}
	if f.multi && strings.HasPrefix(op, "For") && r.Intn(5) == 0 {
		op += "IfExists"
	}
	n := 1 + r.Intn(2)
	var vals []string
	for i := 0; i < n; i++ {
		vals = append(vals, pick(r, f.values))
	}
	if f.name == "PolicyVariables" && r.Intn(3) == 0 {
		// A condition on a known key whose value names an unknown one.
		return op, "test:k", []string{pick(r, []string{"${test:a}", "${test:a}*", "x/${test:a}", "*${test:a}"})}
	}
	return op, key, vals
}

func statementJSON(r *rand.Rand, f family, effect string, principal bool, ks []string) string {
	conds := map[string]map[string][]string{}
	n := 1 + r.Intn(2)
	if effect == "Allow" && r.Intn(3) > 0 {
		n = 1
	}
	for i := 0; i < n; i++ {
		op, key, vals := randCondition(r, f, pick(r, ks))
		if conds[op] == nil {
			conds[op] = map[string][]string{}
		}
		conds[op][key] = vals
	}
	st := map[string]any{"Effect": effect, "Action": "s3:GetObject", "Resource": "*"}
	if f.name == "PolicyVariables" && r.Intn(3) == 0 {
		st["Resource"] = pick(r, []string{"arn:aws:s3:::bkt/${test:a}/*", "arn:aws:s3:::bkt/${test:a}*", "arn:aws:s3:::bkt/al${test:a}"})
	}
	if principal {
		st["Principal"] = pick(r, []any{"*", map[string]any{"AWS": "arn:aws:iam::111111111111:user/alice"}})
	}
	if len(conds) > 0 {
		st["Condition"] = conds
	}
	b, _ := json.Marshal(st)
	return string(b)
}

func policyJSON(r *rand.Rand, f family, principal bool, ks []string, mustAllow bool) string {
	var sts []string
	if mustAllow || r.Intn(3) > 0 {
		sts = append(sts, statementJSON(r, f, "Allow", principal, ks))
	}
	if r.Intn(2) == 0 {
		sts = append(sts, statementJSON(r, f, "Deny", principal, ks))
	}
	if len(sts) == 0 || r.Intn(4) == 0 {
		// an unconditional allow keeps some documents mostly allowed
		sts = append(sts, `{"Effect":"Allow","Action":"s3:*","Resource":"*"`+map[bool]string{true: `,"Principal":"*"`, false: ""}[principal]+`}`)
	}
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(sts, ",") + `]}`
}

type randomDoc struct {
	req     engine.Request
	unknown []string
	texts   []string
}

func randomDocument(r *rand.Rand, f family) randomDoc {
	ks := keys[:1+r.Intn(len(keys))]
	if f.multi {
		ks = []string{"test:m"}
		if r.Intn(2) == 0 {
			ks = append(ks, "test:a")
		}
	}
	var texts []string
	mk := func(t engine.PolicyType, principal bool, mustAllow bool) *engine.Policy {
		text := policyJSON(r, f, principal, ks, mustAllow)
		texts = append(texts, t.String()+": "+text)
		return engine.MustCompile(t, t.String(), text)
	}
	var pol engine.Policies
	pol.Identity = []*engine.Policy{mk(engine.IdentityPolicy, false, true)}
	if r.Intn(3) > 0 {
		pol.Resource = mk(engine.ResourcePolicy, true, false)
	}
	if r.Intn(4) == 0 {
		pol.PermissionsBoundary = mk(engine.BoundaryPolicy, false, true)
	}
	if r.Intn(4) == 0 {
		pol.Session = []*engine.Policy{mk(engine.SessionPolicy, false, true)}
	}
	if r.Intn(4) == 0 {
		pol.SCP = [][]*engine.Policy{{mk(engine.SCP, false, true)}}
	}
	if r.Intn(6) == 0 {
		pol.RCP = [][]*engine.Policy{{mk(engine.RCP, true, true)}}
	}
	if r.Intn(8) == 0 {
		pol.Endpoint = mk(engine.EndpointPolicy, true, true)
	}
	principal := "arn:aws:iam::111111111111:user/alice"
	resource := "arn:aws:s3:::bkt/alice/x"
	if r.Intn(6) == 0 {
		principal = "arn:aws:iam::222222222222:user/bob" // cross-account
	}
	ctx := map[string][]string{}
	if f.name == "PolicyVariables" {
		ctx["test:k"] = []string{pick(r, []string{"alice", "x/alice", "ALICE"})}
	}
	return randomDoc{req: engine.Request{Principal: principal, Action: "s3:GetObject", Resource: resource, ResourceAccount: "111111111111", Context: ctx, Policies: pol}, unknown: ks, texts: texts}
}

func randomContext(r *rand.Rand, f family, ks, multi []string) map[string][]string {
	out := map[string][]string{}
	for _, k := range ks {
		if r.Intn(5) == 0 {
			continue
		}
		isMulti := false
		for _, m := range multi {
			isMulti = isMulti || m == k
		}
		if isMulti {
			n := 1 + r.Intn(3)
			var vs []string
			for i := 0; i < n; i++ {
				vs = append(vs, pick(r, f.ctx))
			}
			out[k] = vs
			continue
		}
		out[k] = []string{pick(r, f.ctx)}
	}
	return out
}

func TestDifferential(t *testing.T) {
	docs, perDoc := 150, 40
	if *long || os.Getenv("IAMGATE_LONG") == "1" {
		docs, perDoc = 10000, 100
	} else if testing.Short() {
		docs = 40
	}
	for fi, f := range families {
		t.Run(f.name, func(t *testing.T) {
			r := rand.New(rand.NewSource(int64(1000 + fi)))
			contexts, unknown, always, never := 0, map[string]int{}, 0, 0
			// Documents until docs*perDoc contexts are decided (UNKNOWN
			// answers decide none), at most 20*docs documents.
			target, d := docs*perDoc, 0
			for ; contexts < target && d < 20*docs; d++ {
				doc := randomDocument(r, f)
				q, err := doc.req.Prepare()
				if err != nil {
					t.Fatal(err)
				}
				res, err := analysis.AllowedIf(q, analysis.Options{Unknown: doc.unknown})
				var ue *analysis.UnknownError
				if errors.As(err, &ue) {
					unknown[ue.Construct]++
					continue
				}
				if err != nil {
					t.Fatalf("doc %d: %v\n%s", d, err, dump(doc))
				}
				switch {
				case res.AllowedIf.Always():
					always++
				case res.AllowedIf.Never():
					never++
				}
				cf, err := res.AllowedIf.Compile()
				if err != nil {
					t.Fatal(err)
				}
				for i := 0; i < perDoc; i++ {
					ctx := randomContext(r, f, doc.unknown, res.MultiValued)
					full := doc.req
					full.Context = map[string][]string{}
					for k, v := range doc.req.Context {
						full.Context[k] = v
					}
					for k, v := range ctx {
						full.Context[k] = v
					}
					fq, err := full.Prepare()
					if err != nil {
						t.Fatal(err)
					}
					want := engine.Authorize(fq).Decision == engine.Allowed
					if got := cf.Eval(fq); got != want {
						t.Fatalf("doc %d: context %v: formula %v, engine allowed=%v\nformula:\n%s\n%s", d, ctx, got, want, res.AllowedIf.Text(), dump(doc))
					}
					contexts++
				}
			}
			nu := 0
			for _, n := range unknown {
				nu += n
			}
			t.Logf("%s: %d documents, %d contexts, 0 mismatches; always %d, never %d, UNKNOWN %d %v", f.name, d, contexts, always, never, nu, unknown)
			if nu*10 > d && !f.unknownOK {
				t.Errorf("too many UNKNOWN answers: %d of %d", nu, d)
			}
		})
	}
}

func dump(d randomDoc) string {
	return fmt.Sprintf("principal %s context %v unknown %v\n%s\n", d.req.Principal, d.req.Context, d.unknown, strings.Join(d.texts, "\n"))
}
