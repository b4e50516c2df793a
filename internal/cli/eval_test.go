package cli

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func fixedNow() time.Time { return time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/cli -update)", err)
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update and review):\n%s", path, got)
	}
}

func TestEvalTextAndJSON(t *testing.T) {
	for _, out := range []string{"text", "json"} {
		var stdout bytes.Buffer
		code, err := runEval(context.Background(), evalParams{file: "../../examples/eval/maskopy-delete-snapshot.json", output: out, now: fixedNow}, nil, &stdout)
		if code != ExitOK || err != nil {
			t.Fatalf("%s: code %d err %v", out, code, err)
		}
		golden(t, "eval-maskopy."+out, stdout.String())
	}
}

// Statement positions in an explanation are positions in the document file.
func TestEvalCrossAccountGolden(t *testing.T) {
	var stdout bytes.Buffer
	code, err := runEval(context.Background(), evalParams{file: "../../examples/eval/datamasque-cross-account.json", output: "text", now: fixedNow}, nil, &stdout)
	if code != ExitOK || err != nil {
		t.Fatalf("code %d err %v", code, err)
	}
	golden(t, "eval-datamasque.text", stdout.String())
}

func TestEvalExpect(t *testing.T) {
	var stdout bytes.Buffer
	code, err := runEval(context.Background(), evalParams{file: "../../examples/eval/maskopy-delete-snapshot.json", output: "text", expect: "allowed", now: fixedNow}, nil, &stdout)
	if code != ExitMismatch || err == nil || !strings.Contains(err.Error(), "implicitDeny") {
		t.Fatalf("code %d err %v", code, err)
	}
	code, _ = runEval(context.Background(), evalParams{file: "../../examples/eval/maskopy-delete-snapshot.json", output: "text", expect: "implicitDeny", now: fixedNow}, nil, &stdout)
	if code != ExitOK {
		t.Fatalf("code %d", code)
	}
}

func TestEvalStdinAndErrors(t *testing.T) {
	doc := `{"principal":"arn:aws:iam::111111111111:user/a","action":"s3:GetObject","resource":"arn:aws:s3:::b/k",
"policies":{"identity":[{"Version":"2012-10-17","Statement":[{"Effect":"allow","Action":"s3:GetObject","Resource":"*"}]}]}}`
	var stdout bytes.Buffer
	code, err := runEval(context.Background(), evalParams{file: "-", output: "text", now: fixedNow}, strings.NewReader(doc), &stdout)
	if code != ExitUsage || err == nil {
		t.Fatalf("code %d err %v", code, err)
	}
	want := `<stdin>:2:72: policies.identity[0].Statement[0].Effect: must be "Allow" or "Deny", got "allow" (IAM: The policy failed legacy parsing)`
	if err.Error() != want {
		t.Fatalf("error\n%s\nwant\n%s", err, want)
	}
	for _, p := range []evalParams{{file: "-", output: "yaml"}, {file: "-", output: "text", expect: "maybe"}} {
		if code, _ := runEval(context.Background(), p, strings.NewReader(doc), &stdout); code != ExitUsage {
			t.Errorf("%+v: code %d", p, code)
		}
	}
	if code, _ := runEval(context.Background(), evalParams{file: "-", output: "text"}, strings.NewReader(`{"action":"s3:GetObject","bogus":1}`), &stdout); code != ExitUsage {
		t.Errorf("unknown field accepted")
	}
}

func TestMainExitCodes(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := Main(context.Background(), []string{"eval", "--expect", "implicitDeny", "../../examples/eval/maskopy-delete-snapshot.json"}, nil, &out, &errOut); code != ExitOK {
		t.Fatalf("code %d: %s", code, errOut.String())
	}
	if code := Main(context.Background(), []string{"eval", "--expect", "allowed", "../../examples/eval/maskopy-delete-snapshot.json"}, nil, &out, &errOut); code != ExitMismatch {
		t.Fatalf("code %d", code)
	}
	if code := Main(context.Background(), []string{"eval", "no-such-file.json"}, nil, &out, &errOut); code != ExitUsage {
		t.Fatalf("code %d", code)
	}
}

// Every example document in examples/eval decides as its scenario says.
func TestExamples(t *testing.T) {
	want := map[string]string{
		"maskopy-delete-snapshot.json":  "implicitDeny",
		"datamasque-cross-account.json": "explicitDeny",
		"externalid-trust.json":         "allowed",
		"boundary-delegation.json":      "implicitDeny",
	}
	files, _ := filepath.Glob("../../examples/eval/*.json")
	if len(files) != len(want) {
		t.Fatalf("examples/eval has %d files, the test knows %d", len(files), len(want))
	}
	for _, f := range files {
		var stdout bytes.Buffer
		code, err := runEval(context.Background(), evalParams{file: f, output: "text", expect: want[filepath.Base(f)], now: fixedNow}, nil, &stdout)
		if code != ExitOK {
			t.Errorf("%s: code %d: %v\n%s", f, code, err, stdout.String())
		}
	}
}

// eval names an action no service has, with the nearest of its service
// (the Service Authorization Reference, Amazon S3: actions), and a
// condition key in the request that the action does not support; --expect
// takes the words test files take, denied among them.
func TestEvalRequestNotesAndExpectWords(t *testing.T) {
	doc := `{"principal":"arn:aws:iam::111111111111:user/a","action":"s3:GetObjekt","resource":"arn:aws:s3:::b/k",
"context":{"ec2:InstanceType":"t3.micro"},
"policies":{"identity":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}]}}`
	var stdout bytes.Buffer
	code, err := runEval(context.Background(), evalParams{file: "-", output: "text", expect: "denied", now: fixedNow}, strings.NewReader(doc), &stdout)
	if code != ExitOK {
		t.Fatalf("code %d err %v\n%s", code, err, stdout.String())
	}
	if want := "s3:GetObjekt is not an action of Amazon S3; did you mean s3:GetObject?"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
	doc2 := strings.Replace(doc, "s3:GetObjekt", "s3:GetObject", 1)
	stdout.Reset()
	if code, err := runEval(context.Background(), evalParams{file: "-", output: "text", expect: "allowed", now: fixedNow}, strings.NewReader(doc2), &stdout); code != ExitOK {
		t.Fatalf("code %d err %v", code, err)
	}
	// Context keys are case-insensitive; the request holds them lower-cased.
	if want := "the condition key ec2:instancetype in the request is not one s3:GetObject supports"; !strings.Contains(stdout.String(), want) {
		t.Errorf("output lacks %q:\n%s", want, stdout.String())
	}
	if code, err := runEval(context.Background(), evalParams{file: "-", output: "text", expect: "nope", now: fixedNow}, strings.NewReader(doc2), &stdout); code != ExitUsage || !strings.Contains(err.Error(), "allowed, explicitDeny, implicitDeny or denied") {
		t.Fatalf("code %d err %v", code, err)
	}
}
