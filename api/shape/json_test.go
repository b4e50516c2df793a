package shape_test

import (
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/api/shape"
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
