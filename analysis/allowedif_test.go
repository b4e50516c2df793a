package analysis_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/analysis"
	"github.com/iamgate/iamgate/engine"
)

func prepare(t *testing.T, principal, resource string, identity ...string) *engine.Prepared {
	t.Helper()
	var ps []*engine.Policy
	for _, text := range identity {
		ps = append(ps, engine.MustCompile(engine.IdentityPolicy, "id", text))
	}
	q, err := engine.Request{Principal: principal, Action: "s3:GetObject", Resource: resource, Policies: engine.Policies{Identity: ps}}.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	return q
}

func allow(extra string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"` + extra + `}]}`
}

// Each construct outside the fragment is named, never answered inexactly.
func TestUnknownConstructs(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		unknown      []string
		want         string
	}{
		{"mixed families", allow(`,"Condition":{"NumericLessThan":{"test:k":"3"},"StringLike":{"test:k":"1*"}}`), []string{"test:k"}, "both Numeric and String"},
		{"relation between unknown keys", allow(`,"Condition":{"StringEquals":{"test:k":"${test:j}"}}`), []string{"test:k", "test:j"}, "${test:j}"},
		{"multi-valued key as a variable", allow(`,"Resource":"arn:aws:s3:::b/${test:m}/*","Condition":{"ForAnyValue:StringEquals":{"test:m":"a"}}`), []string{"test:m"}, "multi-valued"},
		{"set region not one operator", allow(`,"Condition":{"ForAnyValue:StringLike":{"test:m":"a*"},"ForAllValues:StringNotEquals":{"test:m":"ab"}}`), []string{"test:m"}, "not one IAM operator"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := prepare(t, "arn:aws:iam::111111111111:user/alice", "arn:aws:s3:::b/alice/x", tc.policy)
			res, err := analysis.AllowedIf(q, analysis.Options{Unknown: tc.unknown})
			var ue *analysis.UnknownError
			if !errors.As(err, &ue) || !errors.Is(err, analysis.ErrUnknown) {
				t.Fatalf("got %v, %v; want UNKNOWN", res.AllowedIf, err)
			}
			if !strings.Contains(ue.Construct, tc.want) {
				t.Errorf("construct %q does not name %q", ue.Construct, tc.want)
			}
		})
	}
}

func TestAllowedIfCases(t *testing.T) {
	for _, tc := range []struct {
		name, policy string
		unknown      []string
		want         string
	}{
		// A Resource variable naming an unknown key: the values that matter
		// are finite (IAM User Guide, "IAM policy elements: Variables and tags").
		{"resource variable", allow(`,"Resource":"arn:aws:s3:::b/${aws:username}/*"`), []string{"aws:username"}, `aws:username StringEquals "alice"`},
		{"numeric interval", allow(`,"Condition":{"NumericLessThan":{"test:n":"3600"}}`), []string{"test:n"}, `test:n NumericLessThan "3600"`},
		{"IfExists", allow(`,"Condition":{"StringLikeIfExists":{"test:k":"a*"}}`), []string{"test:k"}, `test:k StringLikeIfExists "a*"`},
		{"tag keys", allow(`,"Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["Project","Owner"]},"ForAnyValue:StringEquals":{"aws:TagKeys":"Project"}}`), []string{"aws:TagKeys"}, `aws:TagKeys ForAnyValue:StringEquals "Project"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := prepare(t, "arn:aws:iam::111111111111:user/alice", "arn:aws:s3:::b/alice/x", tc.policy)
			res, err := analysis.AllowedIf(q, analysis.Options{Unknown: tc.unknown})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.AllowedIf.Text(); !strings.Contains(got, tc.want) {
				t.Errorf("allowedIf\n%s does not hold %s", got, tc.want)
			}
			if len(res.Witnesses) != len(res.AllowedIf) {
				t.Errorf("%d witnesses for %d disjuncts", len(res.Witnesses), len(res.AllowedIf))
			}
		})
	}
}
