package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/accesstest"
)

// Every example under examples/ (except eval documents) is a world with at
// least 10 access tests, and every test passes.
func TestWorldExamples(t *testing.T) {
	dirs, _ := filepath.Glob("../../examples/*")
	n := 0
	for _, d := range dirs {
		if info, err := os.Stat(d); err != nil || !info.IsDir() || filepath.Base(d) == "eval" {
			continue
		}
		n++
		t.Run(filepath.Base(d), func(t *testing.T) {
			files, err := testFiles([]string{d})
			if err != nil {
				t.Fatal(err)
			}
			count := 0
			for _, f := range files {
				tf, err := accesstest.LoadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				count += len(tf.Tests)
			}
			if count < 10 {
				t.Errorf("%s has %d access tests, want at least 10", d, count)
			}
			var out bytes.Buffer
			code, err := runTest(context.Background(), testParams{paths: []string{d}, at: "2024-06-03T10:00:00Z"}, &out)
			if code != ExitOK {
				t.Fatalf("%v\n%s", err, out.String())
			}
		})
	}
	if n == 0 {
		t.Fatal("no examples")
	}
}

func TestTestCommandFailuresAndJUnit(t *testing.T) {
	dir := t.TempDir()
	tests := filepath.Join(dir, "tests.yaml")
	if err := os.WriteFile(tests, []byte(`world: `+filepath.Join("..", "..", "..", "..", "..", "..")+`/nonexistent.yaml
tests:
  - {name: x, principal: "111111111111", action: s3:GetObject, expect: allowed}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code, _ := runTest(context.Background(), testParams{paths: []string{tests}}, &out); code != ExitUsage {
		t.Fatalf("missing world: code %d", code)
	}
	abs, _ := filepath.Abs("../../examples/maskopy/world.yaml")
	if err := os.WriteFile(tests, []byte(`world: `+abs+`
tests:
  - {name: passes, principal: lambda.amazonaws.com, action: sts:AssumeRole, resource: "arn:aws:iam::222222222222:role/LAMBDA_MASKOPY", expect: allowed}
  - {name: fails, principal: ec2.amazonaws.com, action: sts:AssumeRole, resource: "arn:aws:iam::222222222222:role/LAMBDA_MASKOPY", expect: allowed}
  - {name: errors, principal: "arn:aws:iam::222222222222:user/nobody", action: s3:GetObject, expect: denied}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	junit := filepath.Join(dir, "junit.xml")
	out.Reset()
	code, err := runTest(context.Background(), testParams{paths: []string{tests}, junit: junit}, &out)
	if code != ExitMismatch || !strings.Contains(err.Error(), "2 access tests failed") {
		t.Fatalf("code %d err %v\n%s", code, err, out.String())
	}
	text := out.String()
	for _, want := range []string{"--- FAIL: fails", "got implicitDeny, want allowed", "decided by: resource", "--- FAIL: errors", "error: principal", "FAIL\t"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	x, _ := os.ReadFile(junit)
	for _, want := range []string{`<testsuites tests="3" failures="2">`, `<testcase name="passes"`, `<failure message="got implicitDeny, want allowed">`, `<error message="principal`} {
		if !strings.Contains(string(x), want) {
			t.Errorf("JUnit lacks %q:\n%s", want, x)
		}
	}
}
