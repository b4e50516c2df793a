package engine_test

import (
	"testing"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
)

// Every AWS managed policy is a policy AWS accepts: each must parse without
// error and compile as an identity policy.
func TestAllManagedPoliciesParseAndCompile(t *testing.T) {
	m := catalog.Managed()
	for _, mp := range m.Policies {
		p, err := policy.Parse(mp.ARN, mp.Document)
		if err != nil {
			t.Errorf("%s: %v", mp.ARN, err)
			continue
		}
		if _, err := engine.Compile(p, engine.IdentityPolicy, mp.Name); err != nil {
			t.Errorf("%s: %v", mp.ARN, err)
		}
	}
}

// AdministratorAccess allows everything; ReadOnlyAccess does not allow writes.
func TestManagedPolicyDecisions(t *testing.T) {
	compile := func(arn string) *engine.Policy {
		mp, ok := catalog.Managed().Lookup(arn)
		if !ok {
			t.Fatalf("%s missing", arn)
		}
		p, err := policy.Parse(arn, mp.Document)
		if err != nil {
			t.Fatal(err)
		}
		cp, err := engine.Compile(p, engine.IdentityPolicy, mp.Name)
		if err != nil {
			t.Fatal(err)
		}
		return cp
	}
	decide := func(pol *engine.Policy, action string) engine.Decision {
		q, err := engine.Request{Principal: "arn:aws:iam::111111111111:user/a", Action: action, Resource: "arn:aws:s3:::b/k",
			ResourceAccount: "111111111111", Policies: engine.Policies{Identity: []*engine.Policy{pol}}}.Prepare()
		if err != nil {
			t.Fatal(err)
		}
		return engine.Authorize(q).Decision
	}
	admin := compile("arn:aws:iam::aws:policy/AdministratorAccess")
	ro := compile("arn:aws:iam::aws:policy/ReadOnlyAccess")
	if decide(admin, "s3:DeleteObject") != engine.Allowed || decide(ro, "s3:GetObject") != engine.Allowed || decide(ro, "s3:DeleteObject") != engine.ImplicitDeny {
		t.Fatal("managed policy decisions")
	}
}

func BenchmarkParseCompileAllManagedPolicies(b *testing.B) {
	m := catalog.Managed()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		for _, mp := range m.Policies {
			p, err := policy.Parse(mp.ARN, mp.Document)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := engine.Compile(p, engine.IdentityPolicy, mp.Name); err != nil {
				b.Fatal(err)
			}
		}
	}
}
