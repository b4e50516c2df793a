package shape_test

import (
	"encoding/json"
	"encoding/xml"
	"testing"
	"time"

	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/iamshape"
)

// Present writes what encoding/xml writes, but an optional list that is
// empty and not nil as an empty element, as IAM writes the simulator's
// MatchedStatements and MissingContextValues ("MatchedStatements": [] in
// awscli/examples/iam/simulate-custom-policy.rst); a nil one is left out.
func TestPresentWritesEmptyListsThatAreThere(t *testing.T) {
	at := &shape.Time{Time: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	full := iamshape.SimulatePolicyResponse{IsTruncated: shape.Ptr(false), EvaluationResults: shape.List[iamshape.EvaluationResult]{{
		EvalActionName: "s3:GetObject", EvalResourceName: "*", EvalDecision: "allowed",
		MatchedStatements: shape.List[iamshape.Statement]{{SourcePolicyId: "p", SourcePolicyType: "user",
			StartPosition: &iamshape.Position{Line: shape.Ptr(int32(1)), Column: shape.Ptr(int32(2))}}},
		MissingContextValues:        shape.List[string]{"aws:SourceIp"},
		OrganizationsDecisionDetail: &iamshape.OrganizationsDecisionDetail{AllowedByOrganizations: shape.Ptr(false)},
		EvalDecisionDetails:         shape.Map[string]{"Resource Policy": "allowed"},
		ResourceSpecificResults: shape.List[iamshape.ResourceSpecificResult]{{EvalResourceName: "*", EvalResourceDecision: "allowed",
			MatchedStatements: shape.List[iamshape.Statement]{{SourcePolicyId: "p"}}, MissingContextValues: shape.List[string]{"aws:SourceIp"}}},
	}}}
	last := iamshape.GetServiceLastAccessedDetailsResponse{JobStatus: "COMPLETED", JobCreationDate: at, JobCompletionDate: at,
		ServicesLastAccessed: shape.List[iamshape.ServiceLastAccessed]{{ServiceName: "S3", ServiceNamespace: "s3", LastAuthenticated: at}}}
	// Without empty or nil lists, the bytes are encoding/xml's.
	last.ServicesLastAccessed[0].TrackedActionsLastAccessed = shape.List[iamshape.TrackedActionLastAccessed]{{ActionName: "GetObject"}}
	for _, v := range []any{full, &full, last} {
		want, err := xml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := xml.Marshal(shape.Present(v))
		if err != nil {
			t.Fatal(err)
		}
		// xml.Marshal names the element after the type; Present after
		// PresentValue: compare inside the root.
		if inner(got) != inner(want) {
			t.Errorf("%T:\n got %s\nwant %s", v, got, want)
		}
	}
	empty := iamshape.SimulatePolicyResponse{EvaluationResults: shape.List[iamshape.EvaluationResult]{{EvalActionName: "a", EvalResourceName: "*", EvalDecision: "implicitDeny",
		MatchedStatements: shape.List[iamshape.Statement]{}, ResourceSpecificResults: shape.List[iamshape.ResourceSpecificResult]{{EvalResourceName: "*", EvalResourceDecision: "implicitDeny",
			MissingContextValues: shape.List[string]{}}}}}}
	got, err := xml.Marshal(shape.Present(&empty))
	if err != nil {
		t.Fatal(err)
	}
	// A list member the generator tags without omitempty (every Query
	// list: api/shape/required.go) is written even when nil, as the
	// untyped simulator wrote MissingContextValues and MatchedStatements.
	want := `<EvaluationResults><member><EvalActionName>a</EvalActionName><EvalResourceName>*</EvalResourceName><EvalDecision>implicitDeny</EvalDecision>` +
		`<MatchedStatements></MatchedStatements><MissingContextValues></MissingContextValues><ResourceSpecificResults><member><EvalResourceName>*</EvalResourceName><EvalResourceDecision>implicitDeny</EvalResourceDecision>` +
		`<MatchedStatements></MatchedStatements><MissingContextValues></MissingContextValues></member></ResourceSpecificResults></member></EvaluationResults>`
	if inner(got) != want {
		t.Errorf("empty lists:\n got %s\nwant %s", got, want)
	}
	var nilPtr *iamshape.SimulatePolicyResponse
	if got, err := xml.Marshal(shape.Present(nilPtr)); err != nil || len(got) != 0 {
		t.Errorf("a nil output: %q %v", got, err)
	}
	j, err := json.Marshal(shape.Present(&empty))
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := json.Marshal(&empty); string(j) != string(want) {
		t.Errorf("JSON: %s, want %s", j, want)
	}
}

// inner is an element's content, without its own start and end tags.
func inner(b []byte) string {
	s := string(b)
	start, end := 0, len(s)
	for i := range s {
		if s[i] == '>' {
			start = i + 1
			break
		}
	}
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '<' {
			end = i
			break
		}
	}
	if start > end {
		return ""
	}
	return s[start:end]
}

// A structure Present cannot write as encoding/xml would (a tag with a
// path or an attribute) is an error, not a guess.
func TestPresentRefusesTagsItCannotWrite(t *testing.T) {
	for _, v := range []any{
		struct {
			A []string `xml:"A>member"`
		}{},
		struct {
			A string `xml:"a,attr"`
		}{},
	} {
		if _, err := xml.Marshal(shape.Present(v)); err == nil {
			t.Errorf("%T: no error", v)
		}
	}
}
