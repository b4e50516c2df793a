package engine_test

import (
	"testing"

	"github.com/iamgate/iamgate/engine"
)

// A privileged root session (STS AssumeRoot; the IAM User Guide, "Perform
// a privileged task on an AWS Organizations member account") is the
// member account's root user scoped by an AWS managed task policy that
// only denies (arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials,
// shortened here): the root user may do what the policy does not deny, and
// a policy naming the root user's account does not lift the deny. Without
// session policies the root user is unchanged.
func TestRootSessionPolicyOnlyDenies(t *testing.T) {
	task := engine.MustCompile(engine.SessionPolicy, "IAMAuditRootUserCredentials", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Deny","NotAction":["iam:ListAccessKeys","iam:GetAccountSummary"],"Resource":"*"},
		{"Effect":"Deny","Action":["iam:ListAccessKeys"],"NotResource":"arn:aws:iam::*:root"}]}`)
	bucket := engine.MustCompile(engine.ResourcePolicy, "bucket", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:*","Resource":"*"}]}`)
	cases := []struct {
		name, action, resource string
		session                []*engine.Policy
		res                    *engine.Policy
		want                   engine.Decision
	}{
		{"task action on the root user", "iam:ListAccessKeys", "arn:aws:iam::222222222222:root", []*engine.Policy{task}, nil, engine.Allowed},
		{"task action on another resource", "iam:ListAccessKeys", "arn:aws:iam::222222222222:user/alice", []*engine.Policy{task}, nil, engine.ExplicitDeny},
		{"task action on no resource", "iam:GetAccountSummary", "*", []*engine.Policy{task}, nil, engine.Allowed},
		{"another action", "iam:CreateUser", "arn:aws:iam::222222222222:user/bob", []*engine.Policy{task}, nil, engine.ExplicitDeny},
		{"a resource policy naming the root user", "s3:GetObject", "arn:aws:s3:::b/k", []*engine.Policy{task}, bucket, engine.ExplicitDeny},
		{"the root user without a session", "iam:CreateUser", "arn:aws:iam::222222222222:user/bob", nil, nil, engine.Allowed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := engine.Request{Principal: "arn:aws:iam::222222222222:root", Action: tc.action, Resource: tc.resource, ResourceAccount: "222222222222",
				Policies: engine.Policies{Session: tc.session, Resource: tc.res}}
			q, err := req.Prepare()
			if err != nil {
				t.Fatal(err)
			}
			if got := engine.Authorize(q).Decision; got != tc.want {
				t.Fatalf("%v, want %v\n%s", got, tc.want, engine.Explain(q).Text())
			}
			if got := engine.Explain(q).Decision; got != tc.want {
				t.Fatalf("explained %v, want %v", got, tc.want)
			}
		})
	}
}
