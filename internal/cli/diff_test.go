package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
)

const maskopyOld = "../../examples/maskopy/policies/xacnt-maskopy.json"

// The Maskopy cross-account role (the seed in /work/shared/seeds, as
// examples/maskopy has it) deletes only RDS snapshots named maskopy*.
// Tightening the delete statement grants nothing new; widening maskopy* to *
// does, proved by a snapshot the new policy lets the role delete
// (CheckNoNewAccess, https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoNewAccess.html).
func TestDiffMaskopyGolden(t *testing.T) {
	for _, c := range []struct {
		name, file string
		code       int
	}{
		{"tight", "testdata/diff/xacnt-maskopy-tight.json", ExitOK},
		{"wide", "testdata/diff/xacnt-maskopy-wide.json", ExitMismatch},
	} {
		for _, out := range []string{"text", "json"} {
			var stdout bytes.Buffer
			code, err := runDiff(context.Background(), diffParams{check: "no-new-access", kind: "identity", output: out, args: []string{maskopyOld, c.file}}, &stdout)
			if code != c.code || err != nil {
				t.Fatalf("%s %s: code %d err %v", c.name, out, code, err)
			}
			golden(t, "diff-maskopy-"+c.name+"."+out, stdout.String())
			if out != "json" || c.code != ExitMismatch {
				continue
			}
			var res diffJSON
			if err := json.Unmarshal(stdout.Bytes(), &res); err != nil {
				t.Fatal(err)
			}
			if len(res.Counterexamples) == 0 || len(res.Reasons) == 0 || res.Reasons[0].StatementIndex != 2 {
				t.Fatalf("want a counterexample and the reason Statement[2]: %s", stdout.String())
			}
			for _, ce := range res.Counterexamples {
				req, err := evaldoc.Parse("counterexample", ce)
				if err != nil {
					t.Fatal(err)
				}
				q, _ := req.Prepare()
				if engine.Authorize(q).Decision != engine.Allowed {
					t.Fatalf("counterexample not allowed: %s", ce)
				}
				if req.Action != "rds:DeleteDBSnapshot" || strings.Contains(req.Resource, "maskopy") {
					t.Fatalf("want a DeleteDBSnapshot of a snapshot not named maskopy*: %s", ce)
				}
			}
		}
	}
}

func TestDiffChecksGolden(t *testing.T) {
	for _, c := range []struct {
		name string
		p    diffParams
		code int
	}{
		// CheckAccessNotGranted: https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckAccessNotGranted.html
		{"access-not-granted-pass", diffParams{check: "access-not-granted", kind: "identity", actions: []string{"rds:DeleteDBSnapshot"}, resources: []string{"arn:aws:rds:us-east-1:111111111111:snapshot:prod"}, args: []string{maskopyOld}}, ExitOK},
		{"access-not-granted-fail", diffParams{check: "access-not-granted", kind: "identity", actions: []string{"rds:Delete*", "kms:CreateKey"}, args: []string{maskopyOld}}, ExitMismatch},
		// CheckNoPublicAccess: https://docs.aws.amazon.com/access-analyzer/latest/APIReference/API_CheckNoPublicAccess.html
		{"public-fail", diffParams{check: "no-public-access", resourceType: "AWS::S3::Bucket", args: []string{"testdata/diff/bucket-public.json"}}, ExitMismatch},
		{"public-org-pass", diffParams{check: "no-public-access", resourceType: "AWS::S3::Bucket", args: []string{"testdata/diff/bucket-org.json"}}, ExitOK},
		{"unknown-variable", diffParams{check: "no-new-access", kind: "identity", args: []string{maskopyOld, "testdata/diff/variable.json"}}, ExitUnknown},
	} {
		for _, out := range []string{"text", "json"} {
			p := c.p
			p.output = out
			var stdout bytes.Buffer
			code, err := runDiff(context.Background(), p, &stdout)
			if code != c.code || err != nil {
				t.Fatalf("%s %s: code %d err %v\n%s", c.name, out, code, err, stdout.String())
			}
			golden(t, "diff-"+c.name+"."+out, stdout.String())
		}
	}
}

func TestDiffBadInput(t *testing.T) {
	for _, c := range []struct {
		name string
		p    diffParams
		want string
	}{
		{"operator", diffParams{check: "no-new-access", kind: "identity", args: []string{maskopyOld, "testdata/diff/bad-operator.json"}}, `testdata/diff/bad-operator.json:5:62: Statement[0].Condition.StringEqualsFoo: unknown condition operator "StringEqualsFoo"`},
		{"principal in identity", diffParams{check: "no-new-access", kind: "identity", args: []string{maskopyOld, "testdata/diff/bucket-public.json"}}, "testdata/diff/bucket-public.json:7:20: Statement[0]: a identity policy cannot have a Principal"},
		{"no check", diffParams{kind: "identity", args: []string{maskopyOld}}, "give --check"},
		{"bad check", diffParams{check: "no-new-stuff", args: []string{maskopyOld}}, "--check \"no-new-stuff\""},
		{"no type", diffParams{check: "no-new-access", args: []string{maskopyOld, maskopyOld}}, "--type"},
		{"one file", diffParams{check: "no-new-access", kind: "resource", args: []string{maskopyOld}}, "two policy files"},
		{"no access", diffParams{check: "access-not-granted", kind: "identity", args: []string{maskopyOld}}, "--action or --resource"},
		{"bad action", diffParams{check: "access-not-granted", kind: "identity", actions: []string{"DeleteDBSnapshot"}, args: []string{maskopyOld}}, "want service:Action"},
		{"bad resource type", diffParams{check: "no-public-access", resourceType: "AWS::EC2::Instance", args: []string{"testdata/diff/bucket-public.json"}}, "not one of the resource types"},
		{"missing file", diffParams{check: "no-public-access", resourceType: "AWS::S3::Bucket", args: []string{"testdata/diff/none.json"}}, "no such file"},
		{"output", diffParams{check: "no-new-access", kind: "identity", output: "yaml", args: []string{maskopyOld, maskopyOld}}, "--output"},
	} {
		if c.p.output == "" {
			c.p.output = "text"
		}
		var stdout bytes.Buffer
		code, err := runDiff(context.Background(), c.p, &stdout)
		if code != ExitUsage || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: code %d err %v, want exit 2 and %q", c.name, code, err, c.want)
		}
	}
}

// The command line: exit codes through Main, and --world handed to the
// whole-world diff.
func TestDiffMain(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"diff", "--check", "no-new-access", "--type", "identity", maskopyOld, "testdata/diff/xacnt-maskopy-tight.json"}, ExitOK},
		{[]string{"diff", "--check", "no-new-access", "--type", "identity", maskopyOld, "testdata/diff/xacnt-maskopy-wide.json", "-o", "json"}, ExitMismatch},
		{[]string{"diff", "--check", "no-new-access", "--type", "identity", maskopyOld, "testdata/diff/variable.json"}, ExitUnknown},
		{[]string{"diff", "--check", "no-new-access", "--type", "identity", maskopyOld, "testdata/diff/bad-operator.json"}, ExitUsage},
		{[]string{"diff", "--world", "a.yaml", "--world", "b.yaml"}, ExitUsage},
		{[]string{"diff", "--world", "a.yaml"}, ExitUsage},
	} {
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), c.args, nil, &stdout, &stderr); code != c.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", c.args, code, c.code, stdout.String(), stderr.String())
		}
	}
}
