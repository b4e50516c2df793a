package analysis

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/iamgate/iamgate/policy"
)

// TestPolicyJSONRoundTrip: what PolicyJSON writes parses as the same
// policy, element by element, for every element kind it writes.
func TestPolicyJSONRoundTrip(t *testing.T) {
	docs := []string{
		`{"Version":"2012-10-17","Statement":[]}`,
		`{"Version":"2012-10-17","Id":"x","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":"arn:aws:s3:::b/<&>",` +
			`"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1"],"aws:PrincipalTag/t":"v"},"Bool":{"aws:MultiFactorAuthPresent":"false"},"StringNotEqualsIfExists":{"k:a":"1"}}},` +
			`{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root"],"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"},` +
			`{"Effect":"Allow","NotPrincipal":"*","Action":"s3:*","Resource":"*"}]}`,
	}
	for _, d := range docs {
		p := policy.MustParse("in", d)
		out := PolicyJSON(p)
		if !json.Valid(out) {
			t.Fatalf("%s: invalid JSON %s", d, out)
		}
		q, err := policy.Parse("out", out)
		if err != nil {
			t.Fatalf("%s: %v", out, err)
		}
		if p.Version != q.Version || p.ID != q.ID || len(p.Statements) != len(q.Statements) {
			t.Fatalf("%s -> %s", d, out)
		}
		for i, s := range p.Statements {
			r := q.Statements[i]
			if s.Sid != r.Sid || s.Effect != r.Effect || !reflect.DeepEqual(policyJSONTexts(s.Action), policyJSONTexts(r.Action)) ||
				!reflect.DeepEqual(policyJSONTexts(s.NotAction), policyJSONTexts(r.NotAction)) || !reflect.DeepEqual(policyJSONTexts(s.Resource), policyJSONTexts(r.Resource)) ||
				!reflect.DeepEqual(policyJSONTexts(s.NotResource), policyJSONTexts(r.NotResource)) || len(s.Conditions) != len(r.Conditions) ||
				(s.Principal == nil) != (r.Principal == nil) || (s.NotPrincipal == nil) != (r.NotPrincipal == nil) {
				t.Errorf("statement %d: %s -> %s", i, d, out)
			}
			for j, c := range s.Conditions {
				if c2 := r.Conditions[j]; c.OperatorText != c2.OperatorText || c.Key != c2.Key || !reflect.DeepEqual(c.Texts(), c2.Texts()) {
					t.Errorf("statement %d condition %d: %s -> %s", i, j, d, out)
				}
			}
		}
	}
}

func policyJSONTexts(l *policy.List) []string {
	if l == nil {
		return nil
	}
	return l.Texts()
}
