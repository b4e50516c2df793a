package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// import -> test against the store -> export -> test against the exported
// file: the same decisions all the way.
func TestImportExportRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "iamgate.db")
	var out bytes.Buffer
	for _, ex := range []string{"maskopy", "datamasque", "policy-pipeline"} {
		dir := filepath.Join("..", "..", "examples", ex)
		out.Reset()
		if code, err := runImport(ctx, importParams{store: db, worldFile: filepath.Join(dir, "world.yaml"), replace: true}, &out); code != ExitOK {
			t.Fatalf("%s import: %v", ex, err)
		}
		if code, err := runTest(ctx, testParams{paths: []string{dir}, useStore: true, store: db}, &out); code != ExitOK {
			t.Fatalf("%s against the store: %v\n%s", ex, err, out.String())
		}
		exported := filepath.Join(t.TempDir(), ex+".yaml")
		if code, err := runExport(ctx, exportParams{store: db, out: exported}, &out); code != ExitOK {
			t.Fatalf("%s export: %v", ex, err)
		}
		if code, err := runTest(ctx, testParams{paths: []string{dir}, world: exported}, &out); code != ExitOK {
			t.Fatalf("%s against the exported file: %v\n%s", ex, err, out.String())
		}
	}
}

func TestImportGAADAndErrors(t *testing.T) {
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "iamgate.db")
	var out bytes.Buffer
	td := filepath.Join("..", "..", "importer", "testdata")
	code, err := runImport(ctx, importParams{store: db, gaad: []string{filepath.Join(td, "gaad-staging.json"), filepath.Join(td, "gaad-production.json")},
		org: filepath.Join(td, "org.yaml"), resources: []string{"arn:aws:s3:::prod-reports=" + filepath.Join(td, "prod-reports-bucket-policy.json") + "@111111111111"}}, &out)
	if code != ExitOK || !strings.Contains(out.String(), "stored 3 accounts") {
		t.Fatalf("%v\n%s", err, out.String())
	}
	for name, p := range map[string]importParams{
		"nothing":           {store: db},
		"no account for S3": {store: db, resources: []string{"arn:aws:s3:::b=" + filepath.Join(td, "prod-reports-bucket-policy.json")}},
		"bad spec":          {store: db, resources: []string{"arn:aws:s3:::b"}},
		"missing file":      {store: db, gaad: []string{"nope.json"}},
		"invalid world":     {store: db, resources: []string{"arn:aws:sqs:us-east-1:111111111111:q=" + filepath.Join(td, "org.yaml")}},
	} {
		if code, _ := runImport(ctx, p, &out); code != ExitUsage {
			t.Errorf("%s: code %d", name, code)
		}
	}
	// A failed import wrote nothing: the store still has its three accounts.
	out.Reset()
	runExport(ctx, exportParams{store: db, out: "-"}, &out)
	if strings.Count(out.String(), "  - id: \"") != 3 {
		t.Fatalf("store changed by a failed import:\n%s", out.String())
	}
}
