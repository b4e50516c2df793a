package shape_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/iamgate/iamgate/api/shape"
	"github.com/iamgate/iamgate/api/shape/aashape"
	"github.com/iamgate/iamgate/api/shape/orgshape"
)

// A generated JSON shape leaves out what is unset and writes an empty
// list as []: botocore's JSON parser (botocore/parsers.py, BaseJSONParser)
// reads a missing member as absent and [] as an empty list, and AWS
// answers [] for a root without policy types (awscli's
// examples/organizations/list-roots.rst).
func TestJSONOmitsOnlyUnset(t *testing.T) {
	for _, c := range []struct {
		in   orgshape.Root
		want string
	}{
		{orgshape.Root{Id: "r-abcd"}, `{"Id":"r-abcd"}`},
		{orgshape.Root{Id: "r-abcd", PolicyTypes: shape.List[orgshape.PolicyTypeSummary]{}}, `{"Id":"r-abcd","PolicyTypes":[]}`},
		{orgshape.Root{PolicyTypes: shape.List[orgshape.PolicyTypeSummary]{{Type: "SERVICE_CONTROL_POLICY", Status: "ENABLED"}}},
			`{"PolicyTypes":[{"Type":"SERVICE_CONTROL_POLICY","Status":"ENABLED"}]}`},
	} {
		b, err := json.Marshal(c.in)
		if err != nil || string(b) != c.want {
			t.Errorf("%s, %v; want %s", b, err, c.want)
		}
	}
	b, _ := json.Marshal(orgshape.PolicySummary{AwsManaged: shape.Ptr(false)})
	// A set false is written; so is PolicySummary's Description
	// (orgshape/policysummary.go).
	if string(b) != `{"Description":"","AwsManaged":false}` {
		t.Errorf("%s", b)
	}
}

// DecodeJSON reads exactly the members of the shape, at every depth: the
// JSON and REST-JSON protocols match member names exactly (botocore's
// serializers write the model's names), so a member named in another
// case is not the member (Go's decoder would take it), and a REST-JSON
// member bound to the query string (json:"-") is not read from the body
// (botocore accessanalyzer/2019-11-01, ValidatePolicyRequest: maxResults
// has location querystring).
func TestDecodeJSONReadsExactMembers(t *testing.T) {
	var in aashape.CheckAccessNotGrantedRequest
	body := `{"policyDocument":"{}","PolicyDocument":"x","access":[{"actions":["s3:GetObject"],"Actions":["*"]}],"policytype":"RESOURCE_POLICY","policyType":null}`
	if err := shape.DecodeJSON([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if in.PolicyDocument != "{}" || in.PolicyType != "" || len(in.Access) != 1 || len(in.Access[0].Actions) != 1 || in.Access[0].Actions[0] != "s3:GetObject" {
		t.Fatalf("%+v", in)
	}
	var vp aashape.ValidatePolicyRequest
	if err := shape.DecodeJSON([]byte(`{"maxResults":1,"nextToken":"t","MaxResults":2}`), &vp); err != nil || vp.MaxResults != nil || vp.NextToken != "" {
		t.Fatalf("query string members read from the body: %+v %v", vp, err)
	}
	if err := shape.DecodeJSON([]byte(`{"policyDocument":`), &vp); !errors.Is(err, shape.ErrNotJSON) {
		t.Fatalf("not JSON: %v", err)
	}
	var te *json.UnmarshalTypeError
	if err := shape.DecodeJSON([]byte(`{"access":[{"actions":"s3:*"}]}`), &in); !errors.As(err, &te) || te.Field != "access.actions" {
		t.Fatalf("a string for a list: %v", err)
	}
}
