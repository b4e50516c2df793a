package world_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/xeipuuv/gojsonschema"
	"go.yaml.in/yaml/v3"
)

// Every example world and test world validates against the published JSON
// Schema (world/schema/world.schema.json), which editors use.
func TestSchemaAcceptsTheExamples(t *testing.T) {
	schema, err := gojsonschema.NewSchema(gojsonschema.NewReferenceLoader("file://" + mustAbs(t, "schema/world.schema.json")))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("../examples/*/world.yaml")
	files = append(files, "testdata/org.yaml")
	for _, f := range files {
		data, _ := os.ReadFile(f)
		var v any
		if err := yaml.Unmarshal(data, &v); err != nil {
			t.Fatal(err)
		}
		doc, _ := json.Marshal(v)
		res, err := schema.Validate(gojsonschema.NewBytesLoader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Valid() {
			t.Errorf("%s: %v", f, res.Errors())
		}
	}
	bad := `{"accounts": [{"id": "12", "userz": []}]}`
	if res, _ := schema.Validate(gojsonschema.NewStringLoader(bad)); res.Valid() {
		t.Error("the schema accepts a bad world")
	}
}

func mustAbs(t *testing.T, p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
