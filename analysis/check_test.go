package analysis_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"os"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/wildcard"
)

// Every resource type of AccessCheckResourceType (botocore accessanalyzer
// service-2.json), the enum CheckNoPublicAccess takes
// (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html):
// a policy granting the service's actions to "*" is public, one granting
// them to another account is not, nor one limited to an organization.
func TestCheckNoPublicAccessEveryResourceType(t *testing.T) {
	services := map[string]string{
		"AWS::DynamoDB::Table": "dynamodb", "AWS::DynamoDB::Stream": "dynamodb", "AWS::EFS::FileSystem": "elasticfilesystem",
		"AWS::OpenSearchService::Domain": "es", "AWS::Kinesis::Stream": "kinesis", "AWS::Kinesis::StreamConsumer": "kinesis",
		"AWS::KMS::Key": "kms", "AWS::Lambda::Function": "lambda", "AWS::S3::Bucket": "s3", "AWS::S3::AccessPoint": "s3",
		"AWS::S3Express::DirectoryBucket": "s3express", "AWS::S3::Glacier": "glacier", "AWS::S3Outposts::Bucket": "s3-outposts",
		"AWS::S3Outposts::AccessPoint": "s3-outposts", "AWS::SecretsManager::Secret": "secretsmanager", "AWS::SNS::Topic": "sns",
		"AWS::SQS::Queue": "sqs", "AWS::IAM::AssumeRolePolicyDocument": "sts", "AWS::S3Tables::TableBucket": "s3tables",
		"AWS::ApiGateway::RestApi": "execute-api", "AWS::CodeArtifact::Domain": "codeartifact", "AWS::Backup::BackupVault": "backup",
		"AWS::CloudTrail::Dashboard": "cloudtrail", "AWS::CloudTrail::EventDataStore": "cloudtrail", "AWS::S3Tables::Table": "s3tables",
		"AWS::S3Express::AccessPoint": "s3express",
	}
	types := analysis.ResourceTypes()
	if len(types) != len(services) {
		t.Fatalf("%d resource types, want the %d of the botocore enum", len(types), len(services))
	}
	for _, rt := range types {
		svc, ok := services[rt]
		if !ok {
			t.Fatalf("%s is not in the botocore enum", rt)
		}
		res := `"Resource": "*",`
		if rt == "AWS::IAM::AssumeRolePolicyDocument" {
			res = "" // trust policies name no resource
		}
		for _, c := range []struct {
			name, principal, cond, want string
		}{
			{"star", `"*"`, "", analysis.Fail},
			{"aws star", `{"AWS": "*"}`, "", analysis.Fail},
			{"other account", `{"AWS": "arn:aws:iam::222222222222:root"}`, "", analysis.Pass},
			{"org", `"*"`, `, "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`, analysis.Pass},
			{"source account", `"*"`, `, "Condition": {"StringEquals": {"aws:SourceAccount": "222222222222"}}`, analysis.Pass},
			{"not org", `"*"`, `, "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}}`, analysis.Fail},
			{"source ip set", `"*"`, `, "Condition": {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, analysis.Pass},
			{"outside ip set", `"*"`, `, "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}`, analysis.Fail},
			{"secure transport", `"*"`, `, "Condition": {"Bool": {"aws:SecureTransport": "true"}}`, analysis.Fail},
		} {
			doc := fmt.Sprintf(`{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": %s, "Action": "%s:*", %s "Sid": "S"%s}]}`, c.principal, svc, res, c.cond)
			p := policy.MustParse(rt+".json", doc)
			r, err := analysis.CheckNoPublicAccess(p, rt, analysis.CheckOptions{})
			if err != nil {
				t.Fatalf("%s %s: %v", rt, c.name, err)
			}
			if r.Result != c.want {
				t.Errorf("%s %s: %s, want %s\n%s", rt, c.name, r.Result, c.want, r.Counterexamples)
				continue
			}
			for _, ce := range r.Counterexamples {
				if d := decideDoc(t, ce); d != engine.Allowed {
					t.Errorf("%s %s: counterexample %s", rt, c.name, d)
				}
				var d struct{ Principal string }
				_ = json.Unmarshal(ce, &d)
				if d.Principal != "anonymous" && !strings.Contains(d.Principal, ":999999999999:") && !strings.Contains(d.Principal, ":888888888888:") {
					t.Errorf("%s %s: the counterexample's principal %s is not public", rt, c.name, d.Principal)
				}
			}
			if c.want == analysis.Fail && (len(r.Reasons) != 1 || r.Reasons[0].StatementID != "S") {
				t.Errorf("%s %s: reasons %v", rt, c.name, r.Reasons)
			}
		}
	}
	if _, err := analysis.CheckNoPublicAccess(policy.MustParse("p", `{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ec2:*","Resource":"*"}]}`), "AWS::EC2::Instance", analysis.CheckOptions{}); !errors.Is(err, analysis.ErrCheckInput) {
		t.Errorf("unsupported resource type: %v", err)
	}
}

// Constructs outside the fragment answer UNKNOWN and name themselves.
func TestCheckUnknown(t *testing.T) {
	allow := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:*","Resource":"*"}]}`
	for _, c := range []struct {
		name, kind, doc, want string
		opt                   analysis.CheckOptions
	}{
		// Policy variables outside the segment fragment (checkvars.go).
		{"variable inside a segment", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"arn:aws:s3:::b/home-${aws:username}/*"}]}`, `the resource "arn:aws:s3:::b/home-${aws:username}/*": the policy variable ${aws:username} is not a whole segment`, analysis.CheckOptions{}},
		{"tag inside an ARN", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"arn:aws:s3:::b/${aws:PrincipalTag/team}/*"}]}`, "${aws:PrincipalTag/team} is not a whole segment", analysis.CheckOptions{}},
		{"condition value inside a segment", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"*","Condition":{"StringLike":{"s3:prefix":"home${aws:username}*"}}}]}`, "StringLike on s3:prefix: the policy variable ${aws:username} is not a whole segment", analysis.CheckOptions{}},
		{"variable ignoring case", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"*","Condition":{"StringEqualsIgnoreCase":{"k:s":"${aws:username}"}}}]}`, "${aws:username} in an operator that ignores case", analysis.CheckOptions{}},
		{"derived key", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"arn:aws:s3:::b/${aws:userid}"}]}`, "${aws:userid} names a key the engine derives", analysis.CheckOptions{}},
		{"username in a resource policy", "resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"svc:a","Resource":"arn:aws:s3:::b/${aws:username}"}]}`, "${aws:username} names a key the engine derives", analysis.CheckOptions{}},
		{"multi-valued variable", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"arn:aws:s3:::b/${k:m}","Condition":{"ForAnyValue:StringEquals":{"k:m":"x"}}}]}`, "${k:m} names a key a set operator compares", analysis.CheckOptions{}},
		{"variable in the account", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"arn:aws:sqs:*:${aws:PrincipalTag/acct}:q"}]}`, "${aws:PrincipalTag/acct} in the partition, service, region or account", analysis.CheckOptions{}},
		{"variable in an Arn operator", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"*","Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::${aws:username}"}}}]}`, "${aws:username} in an Arn operator", analysis.CheckOptions{}},
		{"variable key compared as a number", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"arn:aws:s3:::${k:n}","Condition":{"NumericLessThan":{"k:n":"3"}}}]}`, "${k:n} names a key compared by Numeric operators", analysis.CheckOptions{}},
		{"two families", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:a","Resource":"*","Condition":{"StringEquals":{"k:x":"1"},"NumericLessThan":{"k:x":"2"}}}]}`, "compared by both", analysis.CheckOptions{}},
		{"canonical user", "resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"CanonicalUser":"79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"},"Action":"svc:a","Resource":"*"}]}`, "CanonicalUser", analysis.CheckOptions{}},
		{"principal pattern", "resource", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"svc:a","Resource":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/admin-*"}}}]}`, "aws:PrincipalArn with the wildcard value", analysis.CheckOptions{}},
		{"cap", "identity", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"svc:*","Resource":"*","Condition":{"StringEquals":{"k:a":"x","k:b":"x","k:c":"x"}}}]}`, "the cap", analysis.CheckOptions{MaxCombinations: 4}},
	} {
		kind := analysis.PolicyKind(c.kind)
		old := allow
		if kind == analysis.ResourcePolicy {
			old = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"svc:*","Resource":"*"}]}`
		}
		c.opt.Actions = diffActions
		_, err := analysis.CheckNoNewAccess(policy.MustParse("old.json", old), policy.MustParse("new.json", c.doc), kind, c.opt)
		var ue *analysis.UnknownError
		if !errors.As(err, &ue) || !errors.Is(err, analysis.ErrUnknown) || !strings.Contains(ue.Construct, c.want) {
			t.Errorf("%s: %v, want UNKNOWN naming %q", c.name, err, c.want)
		}
	}
}

// CheckAccessNotGranted against brute force: the policy allows a listed
// action on a listed resource (an action list alone means any resource, a
// resource list alone any action), as the API reference defines the check
// (https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html).
func TestCheckAccessNotGrantedDifferential(t *testing.T) {
	r := rand.New(rand.NewSource(7))
	resources := diffResources(2)
	n := 40
	if os.Getenv("IAMGATE_LONG") == "1" {
		n = 5000
	}
	for i := 0; i < n; i++ {
		text := randomPolicy(r, analysis.IdentityPolicy)
		p := policy.MustParse("p.json", text)
		cp, _ := engine.Compile(p, engine.IdentityPolicy, "p")
		var acts, ress []string
		if r.Intn(3) > 0 {
			acts = []string{diffActionPats[r.Intn(len(diffActionPats))]}
		}
		if len(acts) == 0 || r.Intn(2) == 0 {
			ress = []string{diffResPats[r.Intn(len(diffResPats))]}
		}
		res, err := analysis.CheckAccessNotGranted(p, analysis.IdentityPolicy, acts, ress, analysis.CheckOptions{Actions: diffActions})
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		listed := func(a, rs string) bool {
			okA := len(acts) == 0
			for _, x := range acts {
				if x == "*" || wildcard.MatchFold(x, a) {
					okA = true
				}
			}
			okR := len(ress) == 0
			for _, x := range ress {
				if x == "*" || (rs != "*" && arnPatternMatch(x, rs)) {
					okR = true
				}
			}
			return okA && okR
		}
		brute := false
		keys := mentionedKeys(text)
		for _, ctx := range contexts(keys) {
			for _, a := range diffActions {
				for _, rs := range resources {
					if !listed(a, rs) {
						continue
					}
					q, _ := bruteRequest(analysis.IdentityPolicy, cp, a, rs, "", ctx).Prepare()
					if engine.Authorize(q).Decision == engine.Allowed {
						brute = true
					}
				}
			}
		}
		if brute != (res.Result == analysis.Fail) {
			t.Fatalf("%d: brute force %v, check %s\n%s\nactions %v resources %v\n%s", i, brute, res.Result, text, acts, ress, res.Counterexamples)
		}
		for _, ce := range res.Counterexamples {
			if decideDoc(t, ce) != engine.Allowed {
				t.Fatalf("%d: counterexample not allowed\n%s", i, ce)
			}
		}
	}
}

var arnMatches = map[[2]string]bool{}

// arnPatternMatch reports whether the engine matches resource s by the
// Resource pattern pat.
func arnPatternMatch(pat, s string) bool {
	if m, ok := arnMatches[[2]string{pat, s}]; ok {
		return m
	}
	cp := engine.MustCompile(engine.IdentityPolicy, "m", fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":%q}]}`, pat))
	q, _ := engine.Request{Principal: "arn:aws:iam::777777777777:user/m", Action: "svc:a", Resource: s, ResourceAccount: "777777777777", Policies: engine.Policies{Identity: []*engine.Policy{cp}}}.Prepare()
	m := engine.Authorize(q).Decision == engine.Allowed
	arnMatches[[2]string{pat, s}] = m
	return m
}

func contexts(keys []string) []map[string][]string {
	out := []map[string][]string{{}}
	for _, k := range keys {
		var next []map[string][]string
		for _, c := range out {
			next = append(next, c)
			for _, v := range diffContext[k] {
				n := map[string][]string{k: v}
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

// Metamorphic tests: rewriting a policy into an equivalent one (statements
// reordered, split by action, merged back, wildcard actions expanded into
// the actions of the universe they match, conditions written another way)
// never changes an answer, and a policy never grants new access over its
// own rewrite.
func TestCheckMetamorphic(t *testing.T) {
	r := rand.New(rand.NewSource(99))
	opt := analysis.CheckOptions{Actions: diffActions}
	rewrites := []struct {
		name string
		f    func(stmts []map[string]any) []map[string]any
	}{
		{"reorder", func(s []map[string]any) []map[string]any {
			out := append([]map[string]any{}, s...)
			r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
			return out
		}},
		{"split by action", func(s []map[string]any) []map[string]any {
			var out []map[string]any
			for _, st := range s {
				acts, ok := st["Action"].([]any)
				if !ok {
					out = append(out, st)
					continue
				}
				for _, a := range acts {
					c := clone(st)
					c["Action"] = []any{a}
					out = append(out, c)
				}
			}
			return out
		}},
		{"split and merge", func(s []map[string]any) []map[string]any {
			var out []map[string]any
			for _, st := range s {
				out = append(out, st, clone(st)) // a duplicate statement changes nothing
			}
			return out
		}},
		{"expand wildcards", func(s []map[string]any) []map[string]any {
			var out []map[string]any
			for _, st := range s {
				c := clone(st)
				if acts, ok := st["Action"].([]any); ok {
					var exp []any
					for _, a := range acts {
						for _, u := range diffActions {
							if a.(string) == "*" || wildcard.MatchFold(a.(string), u) {
								exp = append(exp, u)
							}
						}
					}
					if len(exp) == 0 {
						exp = acts // matches nothing in the universe either way
					}
					c["Action"] = exp
				}
				out = append(out, c)
			}
			return out
		}},
		{"equivalent conditions", func(s []map[string]any) []map[string]any {
			var out []map[string]any
			for _, st := range s {
				c := clone(st)
				if cond, ok := c["Condition"].(map[string]any); ok {
					n := map[string]any{}
					for op, kv := range cond {
						switch op {
						case "StringEquals":
							// no wildcard in the values: StringLike means the same
							if _, taken := cond["StringLike"]; !taken && !strings.ContainsAny(fmt.Sprint(kv), "*?") {
								op = "StringLike"
							}
						case "StringEqualsIgnoreCase":
							b, _ := json.Marshal(kv)
							_ = json.Unmarshal([]byte(strings.ToLower(string(b))), &kv)
						}
						n[op] = kv
					}
					c["Condition"] = n
				}
				out = append(out, c)
			}
			return out
		}},
	}
	n := 16
	if os.Getenv("IAMGATE_LONG") == "1" {
		n = 2000
	}
	for i := 0; i < n; i++ {
		kind := analysis.IdentityPolicy
		if i%4 == 3 {
			kind = analysis.ResourcePolicy
		}
		oldText, newText := randomPolicy(r, kind), randomPolicy(r, kind)
		base, err := analysis.CheckNoNewAccess(policy.MustParse("old", oldText), policy.MustParse("new", newText), kind, opt)
		if err != nil {
			t.Fatal(err)
		}
		for _, rw := range rewrites {
			o2, n2 := rewrite(t, oldText, rw.f), rewrite(t, newText, rw.f)
			for _, pair := range [][2]string{{o2, newText}, {oldText, n2}, {o2, n2}} {
				got, err := analysis.CheckNoNewAccess(policy.MustParse("old", pair[0]), policy.MustParse("new", pair[1]), kind, opt)
				if err != nil {
					t.Fatal(err)
				}
				if got.Result != base.Result {
					t.Fatalf("%d %s: %s, the original pair %s\nold %s\nnew %s", i, rw.name, got.Result, base.Result, pair[0], pair[1])
				}
			}
			for _, pair := range [][2]string{{newText, n2}, {n2, newText}} {
				got, err := analysis.CheckNoNewAccess(policy.MustParse("a", pair[0]), policy.MustParse("b", pair[1]), kind, opt)
				if err != nil {
					t.Fatal(err)
				}
				if got.Result != analysis.Pass {
					t.Fatalf("%d %s: a rewrite grants new access\n%s\n%s\n%s", i, rw.name, pair[0], pair[1], got.Counterexamples)
				}
			}
		}
	}
}

func clone(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

func rewrite(t *testing.T, text string, f func([]map[string]any) []map[string]any) string {
	var doc struct {
		Version   string
		Statement []map[string]any
	}
	if err := json.Unmarshal([]byte(text), &doc); err != nil {
		t.Fatal(err)
	}
	doc.Statement = f(doc.Statement)
	b, _ := json.Marshal(doc)
	return string(b)
}

// The root user of the resource's account may do anything there, whatever
// the policy names: it is not one caller with a service the policy names,
// though both match the new statement (found by the differential test).
func TestCheckNoNewAccessRootIsNotAService(t *testing.T) {
	old := policy.MustParse("old", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":["svc:*"],"Resource":["arn:aws:sqs:*:111111111111:*"]}]}`)
	new := policy.MustParse("new", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"NotAction":["other:*","svc:a*"],"Resource":["arn:aws:s3:::*y","*"]}]}`)
	r, err := analysis.CheckNoNewAccess(old, new, analysis.ResourcePolicy, analysis.CheckOptions{Actions: diffActions})
	if err != nil || r.Result != analysis.Fail {
		t.Fatalf("%v %v, want FAIL", r, err)
	}
}

// A resource policy's listed access is what it grants: the root user of
// the resource's account, allowed there whatever the policy says, is not
// access the policy grants (CheckAccessNotGranted,
// https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html).
func TestCheckAccessNotGrantedResourcePolicy(t *testing.T) {
	p := policy.MustParse("bucket.json", `{"Version":"2012-10-17","Statement":[
{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/r"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
{"Effect":"Deny","Principal":"*","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::b/*"}]}`)
	for _, c := range []struct {
		action, want string
	}{{"s3:PutObject", analysis.Pass}, {"s3:DeleteObject", analysis.Pass}, {"s3:GetObject", analysis.Fail}, {"s3:Get*", analysis.Fail}} {
		r, err := analysis.CheckAccessNotGranted(p, analysis.ResourcePolicy, []string{c.action}, nil, analysis.CheckOptions{})
		if err != nil || r.Result != c.want {
			t.Errorf("%s: %v %v, want %s", c.action, r, err, c.want)
		}
	}
}

// Policy variables, decided exactly (checkvars.go). ${aws:username} takes
// the name of the caller, an IAM user, and is absent for a role session
// (the IAM User Guide, "IAM policy elements: Variables and tags",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html:
// the key is present only for IAM users; a variable that cannot be resolved
// voids its element).
func TestCheckVariables(t *testing.T) {
	acts := []string{"s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"}
	doc := func(stmts ...string) string {
		return `{"Version":"2012-10-17","Statement":[` + strings.Join(stmts, ",") + `]}`
	}
	home := `{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}`
	abac := `{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}`
	for _, c := range []struct {
		name, old, new, want string
		// principal and context the counterexample must carry
		principal string
		ctx       map[string]string
	}{
		{name: "home folder tightened", old: doc(home),
			new:  doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}`, `{"Effect":"Allow","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/${aws:username}/private/*"}`),
			want: analysis.Pass},
		{name: "home folder widened to the bucket", old: doc(home),
			new:  doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`),
			want: analysis.Fail},
		{name: "a Deny on alice's folder dropped", old: doc(home, `{"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::b/alice/*"}`),
			new: doc(home), want: analysis.Fail, principal: "arn:aws:iam::111122223333:user/alice"},
		{name: "another user's folder", old: doc(home),
			new: doc(home, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/bob/*"}`), want: analysis.Fail},
		{name: "the caller's own folder named literally is its own", old: doc(home, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/bob/*"}`),
			new: doc(home), want: analysis.Pass},
		{name: "a role session has no aws:username: the Deny is void", old: doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`),
			new:  doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`, `{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/${aws:username}/*"}`),
			want: analysis.Pass},
		{name: "the void Deny removed from the old policy", old: doc(`{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b/${aws:username}/*"}`),
			new:  doc(`{"Effect":"Allow","Action":"s3:*","Resource":"*"}`, `{"Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b/${aws:username}/*"}`),
			want: analysis.Fail, principal: "arn:aws:sts::111122223333:assumed-role/iamgate-check/iamgate-check"},
		{name: "a default for the absent name", old: doc(home, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/guest/*"}`),
			new: doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username, 'guest'}/*"}`), want: analysis.Pass},
		{name: "the prefix is the caller's name", old: doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"}}}`),
			new: doc(`{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":"${aws:username}/*"},"StringNotLike":{"s3:prefix":"*/secret/*"}}}`), want: analysis.Pass},
		{name: "ABAC tag equality tightened", old: doc(abac),
			new:  doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}","aws:PrincipalTag/team":["red","blue"]}}}`),
			want: analysis.Pass},
		{name: "ABAC tag equality widened to untagged resources", old: doc(abac),
			new:  doc(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}`),
			want: analysis.Fail},
		{name: "ABAC tag equality dropped for one team", old: doc(abac),
			new:  doc(abac, `{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"red"}}}`),
			want: analysis.Fail, ctx: map[string]string{"aws:PrincipalTag/team": "red"}},
	} {
		r, err := analysis.CheckNoNewAccess(policy.MustParse("old.json", c.old), policy.MustParse("new.json", c.new), analysis.IdentityPolicy, analysis.CheckOptions{Actions: acts})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if r.Result != c.want {
			t.Errorf("%s: %s, want %s\n%s", c.name, r.Result, c.want, r.Counterexamples)
			continue
		}
		for _, ce := range r.Counterexamples {
			if d := decideDoc(t, ce); d != engine.Allowed {
				t.Errorf("%s: counterexample %s", c.name, d)
			}
			if d := decideDoc(t, swapPolicy(t, analysis.IdentityPolicy, ce, c.old)); d == engine.Allowed {
				t.Errorf("%s: counterexample allowed by the old policy\n%s", c.name, ce)
			}
		}
		if c.want != analysis.Fail {
			continue
		}
		var d struct {
			Principal string
			Context   map[string]string
		}
		if err := json.Unmarshal(r.Counterexamples[0], &d); err != nil {
			t.Fatal(err)
		}
		if c.principal != "" && d.Principal != c.principal {
			t.Errorf("%s: the counterexample's caller is %s, want %s", c.name, d.Principal, c.principal)
		}
		for k, v := range c.ctx {
			if d.Context[k] != v {
				t.Errorf("%s: the counterexample's %s is %q, want %q\n%s", c.name, k, d.Context[k], v, r.Counterexamples[0])
			}
		}
	}
}

// CheckAccessNotGranted and CheckNoPublicAccess with policy variables.
func TestCheckVariablesOtherChecks(t *testing.T) {
	p := policy.MustParse("p.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}/*"}]}`)
	for _, c := range []struct {
		resource, want, principal string
	}{
		{"arn:aws:s3:::b/alice/notes.txt", analysis.Fail, "arn:aws:iam::111122223333:user/alice"},
		{"arn:aws:s3:::c/*", analysis.Pass, ""},
		{"arn:aws:s3:::b/*", analysis.Fail, ""},
	} {
		r, err := analysis.CheckAccessNotGranted(p, analysis.IdentityPolicy, nil, []string{c.resource}, analysis.CheckOptions{Actions: []string{"s3:GetObject"}})
		if err != nil || r.Result != c.want {
			t.Errorf("%s: %v %v, want %s", c.resource, r, err, c.want)
			continue
		}
		for _, ce := range r.Counterexamples {
			if decideDoc(t, ce) != engine.Allowed {
				t.Errorf("%s: counterexample not allowed", c.resource)
			}
			var d struct{ Principal string }
			_ = json.Unmarshal(ce, &d)
			if c.principal != "" && d.Principal != c.principal {
				t.Errorf("%s: caller %s, want %s", c.resource, d.Principal, c.principal)
			}
		}
	}
	// A bucket policy granting everyone the objects of their team: any
	// caller may carry any tag, so it is public.
	bucket := policy.MustParse("bucket.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team}"}}}]}`)
	r, err := analysis.CheckNoPublicAccess(bucket, "AWS::S3::Bucket", analysis.CheckOptions{})
	if err != nil || r.Result != analysis.Fail {
		t.Fatalf("%v %v, want FAIL", r, err)
	}
	for _, ce := range r.Counterexamples {
		if decideDoc(t, ce) != engine.Allowed {
			t.Errorf("public counterexample not allowed\n%s", ce)
		}
	}
	// ... but ${aws:SourceAccount} identifies the caller's side.
	src := policy.MustParse("bucket.json", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"aws:SourceAccount":"${aws:ResourceTag/acct}"}}}]}`)
	var ue *analysis.UnknownError
	if _, err := analysis.CheckNoPublicAccess(src, "AWS::S3::Bucket", analysis.CheckOptions{}); !errors.As(err, &ue) || !strings.Contains(ue.Construct, "aws:sourceaccount") {
		t.Errorf("a variable on aws:SourceAccount: %v, want UNKNOWN naming it", err)
	}
}
