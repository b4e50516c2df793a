package engine_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
)

func compileText(typ engine.PolicyType, text string) (*engine.Policy, error) {
	p, err := policy.Parse("inline.json", []byte(text))
	if err != nil {
		return nil, err
	}
	return engine.Compile(p, typ, "inline")
}

// crossAccountRequest is the benchmark brief's second case: a role in one
// account reads an S3 object in another, with an identity policy, a bucket
// policy holding a SecureTransport deny, two SCP levels and a boundary.
func crossAccountRequest(t testing.TB) *engine.Prepared {
	req := engine.Request{
		Principal:       "arn:aws:sts::111111111111:assumed-role/DM-Role/i-0abc",
		Action:          "s3:GetObject",
		Resource:        "arn:aws:s3:::dm-target-bucket/data/2024/file.csv",
		ResourceAccount: "222222222222",
		Context:         map[string][]string{"aws:SecureTransport": {"true"}, "aws:SourceIp": {"203.0.113.10"}},
		Policies: engine.Policies{
			Identity: []*engine.Policy{engine.MustCompile(engine.IdentityPolicy, "source", `{"Version":"2012-10-17","Statement":[
				{"Sid":"Logs","Effect":"Allow","Action":["logs:CreateLogStream","logs:PutLogEvents"],"Resource":"*"},
				{"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::*"}]}`)},
			Resource: engine.MustCompile(engine.ResourcePolicy, "bucket", `{"Version":"2012-10-17","Statement":[
				{"Sid":"Read","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:role/DM-Role"},"Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::dm-target-bucket","arn:aws:s3:::dm-target-bucket/*"]},
				{"Sid":"TLS","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::dm-target-bucket","arn:aws:s3:::dm-target-bucket/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`),
			PermissionsBoundary: engine.MustCompile(engine.BoundaryPolicy, "boundary", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","logs:*"],"Resource":"*"}]}`),
			SCP: [][]*engine.Policy{
				{engine.MustCompile(engine.SCP, "FullAWSAccess", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)},
				{engine.MustCompile(engine.SCP, "RegionGuard", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-central-1"]},"ArnNotLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/Admin"}}}]}`)},
			},
		},
	}
	req.Context["aws:RequestedRegion"] = []string{"us-east-1"}
	q, err := req.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	if r := engine.Authorize(q); r.Decision != engine.Allowed {
		t.Fatalf("cross-account benchmark request: %v\n%s", r.Decision, engine.Explain(q).Text())
	}
	return q
}

// manyPoliciesRequest: 10 identity policies of 20 statements each, where the
// only matching statement is the last one.
func manyPoliciesRequest(t testing.TB) *engine.Prepared {
	var pols []*engine.Policy
	for p := 0; p < 10; p++ {
		var stmts []string
		for s := 0; s < 20; s++ {
			action := fmt.Sprintf(`["ec2:Describe%d*","s3:GetBucket%d","dynamodb:Query"]`, s, s)
			res := fmt.Sprintf(`"arn:aws:s3:::bucket-%d-%d/*"`, p, s)
			if p == 9 && s == 19 {
				action, res = `"s3:GetObject"`, `"arn:aws:s3:::target/*"`
			}
			stmts = append(stmts, fmt.Sprintf(`{"Sid":"S%d","Effect":"Allow","Action":%s,"Resource":%s,"Condition":{"StringEquals":{"aws:RequestedRegion":"us-east-1"}}}`, s, action, res))
		}
		pols = append(pols, engine.MustCompile(engine.IdentityPolicy, fmt.Sprintf("p%d", p),
			`{"Version":"2012-10-17","Statement":[`+strings.Join(stmts, ",")+`]}`))
	}
	req := engine.Request{
		Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject",
		Resource: "arn:aws:s3:::target/key", ResourceAccount: "111111111111",
		Context:  map[string][]string{"aws:RequestedRegion": {"us-east-1"}},
		Policies: engine.Policies{Identity: pols},
	}
	q, err := req.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	if r := engine.Authorize(q); r.Decision != engine.Allowed || r.Statement.Index != 19 || r.Statement.Policy.Name != "p9" {
		t.Fatalf("many-policies request: %+v", r)
	}
	return q
}

// sameAccountUserRequest: a same-account user with three policies.
func sameAccountUserRequest(t testing.TB) *engine.Prepared {
	req := engine.Request{
		Principal: "arn:aws:iam::111111111111:user/dev", Action: "ec2:StartInstances",
		Resource: "arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789",
		Context: map[string][]string{
			"aws:PrincipalTag/CostCenter": {"0735"}, "ec2:ResourceTag/CostCenter": {"0735"},
			"aws:RequestedRegion": {"us-east-1"}, "aws:SourceIp": {"203.0.113.7"},
		},
		Policies: engine.Policies{Identity: []*engine.Policy{
			engine.MustCompile(engine.IdentityPolicy, "abac", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ec2:DescribeInstances"],"Resource":"*"},{"Effect":"Allow","Action":["ec2:StartInstances","ec2:StopInstances"],"Resource":"*","Condition":{"StringEquals":{"ec2:ResourceTag/CostCenter":"${aws:PrincipalTag/CostCenter}"}}}]}`),
			engine.MustCompile(engine.IdentityPolicy, "region", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-central-1"]}}}]}`),
			engine.MustCompile(engine.IdentityPolicy, "ip", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32"]}}}]}`),
		}},
	}
	q, err := req.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	if r := engine.Authorize(q); r.Decision != engine.Allowed {
		t.Fatalf("same-account request: %v\n%s", r.Decision, engine.Explain(q).Text())
	}
	return q
}
