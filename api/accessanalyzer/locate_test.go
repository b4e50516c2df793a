package accessanalyzer

import (
	"encoding/json"
	"testing"

	"github.com/iamgate/iamgate/policy"
	"github.com/iamgate/iamgate/validate"
)

// A path through a member named "" is {"value": ""}: PathElement is a
// union of which exactly one member is set (botocore
// accessanalyzer/2019-11-01, PathElement: index, key, substring, value),
// and an empty value is one set, not none.
func TestLocateThroughAnEmptyKey(t *testing.T) {
	doc := []byte(`{"Statement":[{"Condition":{"StringEquals":{"":"x"}}}]}`)
	tree, err := policy.ParseJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	loc := locate(doc, tree, validate.Location{Path: "Statement[0].Condition.StringEquals."})
	b, _ := json.Marshal(loc.Path)
	if string(b) != `[{"value":"Statement"},{"index":0},{"value":"Condition"},{"value":"StringEquals"},{"value":""}]` {
		t.Fatalf("%s", b)
	}
}
