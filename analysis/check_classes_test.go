package analysis_test

import (
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/policy"
)

// Callers that the statements' principals alone do not tell apart may
// still differ in whether a Deny with NotPrincipal applies to them: AWS
// exempts a role from such a Deny only when the element lists both the
// role and its account (IAM User Guide, "AWS JSON policy elements:
// NotPrincipal",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
// Here NEW exempts 333333333333's role r1 and OLD does not: r1 gains
// access, the account's other roles do not.
func TestCheckNoNewAccessNotPrincipalRole(t *testing.T) {
	old := policy.MustParse("old.json", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"svc:a","Resource":"*"},
		{"Effect":"Deny","NotPrincipal":{"AWS":"333333333333"},"Action":"svc:a","Resource":"*"}]}`)
	new := policy.MustParse("new.json", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Principal":"*","Action":"svc:a","Resource":"*"},
		{"Effect":"Deny","NotPrincipal":{"AWS":["333333333333","arn:aws:iam::333333333333:role/r1"]},"Action":"svc:a","Resource":"*"}]}`)
	res, err := analysis.CheckNoNewAccess(old, new, analysis.ResourcePolicy, analysis.CheckOptions{Actions: []string{"svc:a"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.Result != analysis.Fail {
		t.Fatalf("%s, want FAIL (role r1 of 333333333333 gains access)", res.Result)
	}
	for _, ce := range res.Counterexamples {
		if d := decideDoc(t, ce); d != engine.Allowed {
			t.Fatalf("counterexample is %s under NEW\n%s", d, ce)
		}
	}
}
