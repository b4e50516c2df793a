package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
)

func runValidateOut(t *testing.T, p validateParams) (string, int) {
	t.Helper()
	var b bytes.Buffer
	code, err := runValidate(context.Background(), p, &b)
	if code == ExitUsage {
		t.Fatalf("usage error: %v", err)
	}
	return b.String(), code
}

// Every policy from the seeds, validated, with its findings kept as golden
// output (the Redshift seed uses actions that do not exist; the DataMasque
// bucket policy pairs object actions with the bucket ARN).
func TestValidateSeedsGolden(t *testing.T) {
	out, code := runValidateOut(t, validateParams{paths: []string{"../../testdata/policies"}, output: "text", failOn: "error", color: "never"})
	if code != ExitMismatch {
		t.Errorf("exit %d, want 1: the Redshift seed has invalid actions", code)
	}
	golden(t, "validate-seeds.text", out)
}

// The Maskopy roles as a CloudFormation template and as a Terraform plan,
// end to end, in every output format. The SARIF is checked against the
// SARIF 2.1.0 JSON schema.
func TestValidateTemplatesGolden(t *testing.T) {
	paths := []string{"../../testdata/templates/maskopy-cloudformation.yaml", "../../testdata/templates/maskopy-terraform-plan.json"}
	for _, format := range []string{"text", "json", "sarif"} {
		out, code := runValidateOut(t, validateParams{paths: paths, output: format, failOn: "error", color: "never",
			account: "222222222222", orgAccounts: []string{"111111111111"}})
		if code != ExitOK {
			t.Errorf("%s: exit %d", format, code)
		}
		golden(t, "validate-maskopy."+format, out)
		switch format {
		case "sarif":
			rep, err := sarif.FromString(out)
			if err != nil {
				t.Fatal(err)
			}
			if err := rep.Validate(); err != nil {
				t.Fatalf("SARIF does not validate against the 2.1.0 schema: %v", err)
			}
			if len(rep.Runs) != 1 || len(rep.Runs[0].Results) == 0 || len(rep.Runs[0].Tool.Driver.Rules) < 90 {
				t.Fatalf("SARIF run: %d results, %d rules", len(rep.Runs[0].Results), len(rep.Runs[0].Tool.Driver.Rules))
			}
		case "json":
			var doc struct {
				Findings []map[string]any `json:"findings"`
				Summary  map[string]int   `json:"summary"`
			}
			if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Summary["files"] != 14 {
				t.Fatalf("JSON: %v %v", err, doc.Summary)
			}
		}
	}
}

func TestValidateFailOn(t *testing.T) {
	p := validateParams{paths: []string{"../../testdata/templates/maskopy-cloudformation.yaml"}, output: "text", color: "never"}
	for failOn, want := range map[string]int{"error": ExitOK, "warning": ExitOK, "suggestion": ExitMismatch, "SUGGESTION": ExitMismatch} {
		p.failOn = failOn
		if _, code := runValidateOut(t, p); code != want {
			t.Errorf("--fail-on %s: exit %d, want %d", failOn, code, want)
		}
	}
	var b bytes.Buffer
	for _, bad := range []validateParams{
		{paths: p.paths, output: "xml", failOn: "error"},
		{paths: p.paths, output: "text", failOn: "fatal"},
		{paths: p.paths, output: "text", failOn: "error", policyType: "bucket"},
		{paths: p.paths, output: "text", failOn: "error", account: "12"},
		{paths: []string{"no/such/file.json"}, output: "text", failOn: "error"},
	} {
		if code, _ := runValidate(context.Background(), bad, &b); code != ExitUsage {
			t.Errorf("%+v: exit %d, want 2", bad, code)
		}
	}
}

func TestValidateColor(t *testing.T) {
	out, _ := runValidateOut(t, validateParams{paths: []string{"../../testdata/templates/maskopy-cloudformation.yaml"}, output: "text", failOn: "error", color: "always"})
	if !strings.Contains(out, "\x1b[36mSUGGESTION") {
		t.Fatalf("no colour in %q", out)
	}
}
