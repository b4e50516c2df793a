package validate_test

import (
	"testing"

	"github.com/iamgate/iamgate/catalog"
	"github.com/iamgate/iamgate/validate"
)

// BenchmarkValidateAllManagedPolicies validates every AWS managed policy
// (1,594) as an identity policy; the target is under a second.
func BenchmarkValidateAllManagedPolicies(b *testing.B) {
	m := catalog.Managed()
	catalog.Default()
	b.ReportAllocs()
	b.ResetTimer()
	findings := 0
	for i := 0; i < b.N; i++ {
		findings = 0
		for _, mp := range m.Policies {
			findings += len(validate.Document(mp.ARN, mp.Document, validate.Options{Type: validate.Identity}))
		}
	}
	b.ReportMetric(float64(findings), "findings")
}

// Managed policies are valid policies: none may have a grammar error.
func TestManagedPoliciesHaveNoGrammarErrors(t *testing.T) {
	grammar := map[string]bool{"JSON_SYNTAX_ERROR": true, "DATA_TYPE_MISMATCH": true, "INVALID_VERSION": true, "MISSING_STATEMENT": true,
		"INVALID_POLICY_ELEMENT": true, "MISSING_EFFECT": true, "INVALID_EFFECT": true, "UNSUPPORTED_ELEMENT_COMBINATION": true, "MISSING_ACTION": true}
	for _, mp := range catalog.Managed().Policies {
		for _, f := range validate.Document(mp.ARN, mp.Document, validate.Options{Type: validate.Identity}) {
			if grammar[f.Code] {
				t.Errorf("%s: %v", mp.ARN, f)
			}
		}
	}
}
