package pipeline_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/world"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const example = "../examples/policy-pipeline"

func exampleEnv(t testing.TB) pipeline.Env {
	t.Helper()
	w, err := world.LoadFile(filepath.Join(example, "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := pipeline.LoadGuardrails(filepath.Join(example, "guardrails.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return pipeline.Env{World: w, Guardrails: g}
}

func submission(t testing.TB, dir, account string) *pipeline.Submission {
	t.Helper()
	s, err := pipeline.Read(filepath.Join(example, "submissions", dir))
	if err != nil {
		t.Fatal(err)
	}
	s.File = filepath.Join("submissions", dir, "policy.json")
	if s.Account == "" {
		s.Account = account
	}
	return s
}

// The seed's walkthrough and the example's other submissions, checked
// without a server; the rendered decisions are golden
// (testdata/example.golden, go test ./pipeline -update to rewrite).
func TestExampleSubmissions(t *testing.T) {
	env := exampleEnv(t)
	cases := []struct {
		dir, account string
		accepted     bool
		rules        []string
	}{
		{"ec2-run-team-a", "444444444444", true, nil},
		{"star-star", "444444444444", false, []string{"every-account/no-star-star", "every-account/security-tooling", "every-account/security-tooling", "sandbox/sandbox-services", "sandbox/no-account-changes"}},
		{"sandbox-iam", "444444444444", false, []string{"sandbox/sandbox-services"}},
		{"dev-ec2", "", true, nil},
		{"ec2-run-team-a", "555555555555", false, []string{"dev-and-test/t2-only"}},
		{"dev-beyond-boundary", "", false, []string{"dev-and-test/within-dev-boundary"}},
	}
	var golden strings.Builder
	for _, c := range cases {
		res, err := pipeline.Check(submission(t, c.dir, c.account), env)
		if err != nil {
			t.Fatalf("%s: %v", c.dir, err)
		}
		var rules []string
		for _, r := range res.Reasons {
			rules = append(rules, r.Rule)
		}
		if res.Accepted != c.accepted || strings.Join(rules, " ") != strings.Join(c.rules, " ") {
			t.Errorf("%s in %s: accepted %v, rules %v; want %v, %v", c.dir, res.Account, res.Accepted, rules, c.accepted, c.rules)
		}
		golden.WriteString("== " + c.dir + " for " + res.Account + " (" + strings.Join(res.Rulesets, ", ") + ")\n")
		if res.Accepted {
			golden.WriteString("accepted; appended " + strings.Join(res.Appended, ", ") + "\n" + res.Document + "\n")
		}
		for _, r := range res.Reasons {
			golden.WriteString(r.String() + "\n")
		}
	}
	checkGolden(t, "testdata/example.golden", golden.String())
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./pipeline -update writes it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./pipeline -update rewrites it):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}
