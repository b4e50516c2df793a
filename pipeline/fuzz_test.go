package pipeline_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/pipeline"
)

// FuzzCheck submits arbitrary documents and metadata under the example's
// guardrails: Check must decide or report a reason, never panic, and an
// accepted document must be within IAM's size limit and end with the
// central denies.
func FuzzCheck(f *testing.F) {
	for _, dir := range []string{"ec2-run-team-a", "star-star", "sandbox-iam", "dev-ec2"} {
		doc, err := os.ReadFile(filepath.Join(example, "submissions", dir, "policy.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(doc, "Name", "444444444444")
	}
	f.Add([]byte(`{"Statement":{"Effect":"Allow","NotAction":"s3:*","NotResource":"arn:aws:lambda:*:*:function:x"}}`), "N", "555555555555")
	env := exampleEnv(f)
	f.Fuzz(func(t *testing.T, doc []byte, name, account string) {
		sub := &pipeline.Submission{Metadata: pipeline.Metadata{PolicyName: name, Account: account}, Document: doc}
		res, err := pipeline.Check(sub, env)
		if err != nil {
			t.Fatalf("a configuration error from a submission: %v", err)
		}
		if res.Accepted {
			if len(res.Reasons) > 0 || !strings.Contains(res.Document, `"Sid":"CentralDeny`) {
				t.Fatalf("accepted: %+v", res)
			}
		} else if len(res.Reasons) == 0 {
			t.Fatal("rejected without a reason")
		}
	})
}

// FuzzGuardrails parses arbitrary guardrails: an error or guardrails,
// never a panic.
func FuzzGuardrails(f *testing.F) {
	text, err := os.ReadFile(filepath.Join(example, "guardrails.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(text)
	f.Add([]byte("securityAccount: \"333333333333\"\nrulesets: [{name: a, match: {all: true}, rules: [{maxAccessLevel: {iam: Read}}]}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := pipeline.ParseGuardrails("g.yaml", data)
		if err == nil && len(g.Rulesets) == 0 {
			t.Fatal("guardrails without rulesets accepted")
		}
	})
}

// FuzzReadZip reads arbitrary archives as policy.zip.
func FuzzReadZip(f *testing.F) {
	sub, err := pipeline.Read(filepath.Join(example, "submissions", "ec2-run-team-a"))
	if err != nil {
		f.Fatal(err)
	}
	zip, err := sub.Zip()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(zip)
	f.Fuzz(func(t *testing.T, data []byte) {
		if s, err := pipeline.ReadZip("policy.zip", data); err == nil && s.PolicyName == "" {
			t.Fatal("a submission without a policy name")
		}
	})
}

func BenchmarkCheck(b *testing.B) {
	env := exampleEnv(b)
	for _, dir := range []string{"ec2-run-team-a", "star-star"} {
		sub := submission(b, dir, "444444444444")
		b.Run(dir, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pipeline.Check(sub, env); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
