package policy_test

import (
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/policy"
)

var update = flag.Bool("update", false, "rewrite golden files")

func readDir(t testing.TB, pattern string) []string {
	files, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no files match %s", pattern)
	}
	return files
}

// TestAccepted parses every form AWS accepts: the seed policies under
// ../testdata/policies and the accepted-forms corpus. A form that once parsed
// must keep parsing.
func TestAccepted(t *testing.T) {
	files := append(readDir(t, "../testdata/policies/*.json"), readDir(t, "testdata/accepted/*.json")...)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := policy.Parse(filepath.Base(f), data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if p == nil {
			t.Errorf("%s: nil policy", f)
		}
	}
}

// TestErrorsGolden checks the messages for invalid documents against
// testdata/invalid.golden: each names file, line, column and element, and
// every problem in a document is reported. Run with -update to rewrite.
func TestErrorsGolden(t *testing.T) {
	var b strings.Builder
	for _, f := range readDir(t, "testdata/invalid/*.json") {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p, err := policy.Parse(filepath.Base(f), data)
		if err == nil {
			t.Errorf("%s: parsed without error", f)
			continue
		}
		var errs policy.Errors
		if !errors.As(err, &errs) {
			t.Errorf("%s: error is %T, want policy.Errors", f, err)
		}
		b.WriteString("== " + filepath.Base(f) + "\n")
		for _, e := range errs {
			if e.Code == "" {
				t.Errorf("%s: no code for %v", f, e)
			}
			b.WriteString(e.Error() + " [" + e.Code + "]\n")
		}
		if p != nil {
			for _, w := range p.Warnings {
				b.WriteString("warning: " + w.Error() + " [" + w.Code + "]\n")
			}
		}
	}
	golden := "testdata/invalid.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if b.String() != string(want) {
		t.Errorf("error messages differ from %s (run go test ./policy -update and review the diff):\n%s", golden, b.String())
	}
}

// The brief's example: a lower-case Effect is named with its position.
func TestEffectErrorPosition(t *testing.T) {
	src := "{\n \"Version\": \"2012-10-17\",\n \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"},\n  {\"Effect\": \"allow\", \"Action\": \"*\", \"Resource\": \"*\"}\n ]\n}"
	_, err := policy.Parse("trust.json", []byte(src))
	want := `trust.json:5:14: Statement[1].Effect: must be "Allow" or "Deny", got "allow" (IAM: The policy failed legacy parsing)`
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

func TestParsedShape(t *testing.T) {
	data, _ := os.ReadFile("testdata/accepted/forms.json")
	p, err := policy.Parse("forms.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if p.ID != "accepted-forms" || !p.VariablesEnabled() || len(p.Statements) != 9 {
		t.Fatalf("got %+v", p)
	}
	s := p.Statements[8]
	if s.Sid != "Conditions" || len(s.Conditions) != 7 {
		t.Fatalf("statement 8: %+v", s)
	}
	if c := s.Conditions[0]; c.Key != "aws:MultiFactorAuthAge" || c.Values[0].Text != "3600" {
		t.Fatalf("number value: %+v", c)
	}
	if !p.Statements[0].Principal.Wildcard || p.Statements[2].Principal.AWS[0].Text != "111111111111" {
		t.Fatal("principal forms")
	}
	if p.Statements[7].NotPrincipal == nil || p.Statements[7].NotAction == nil || p.Statements[7].NotResource == nil {
		t.Fatal("Not* elements")
	}
}

func TestDuplicateKeysWarn(t *testing.T) {
	src := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"a:b":"1"},"StringEquals":{"a:c":"2"}}}}`
	p, err := policy.Parse("dup.json", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Warnings) != 1 || len(p.Statements[0].Conditions) != 1 || p.Statements[0].Conditions[0].Key != "a:c" {
		t.Fatalf("warnings %v, conditions %+v", p.Warnings, p.Statements[0].Conditions)
	}
}

func TestDeepNestingIsAnError(t *testing.T) {
	src := `{"Statement":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`
	if _, err := policy.Parse("deep.json", []byte(src)); err == nil {
		t.Fatal("deep nesting accepted")
	}
}

// FuzzParse is seeded with every fixture; Parse must never panic, and a
// failure must always be reported as policy.Errors with positions.
func FuzzParse(f *testing.F) {
	for _, pat := range []string{"../testdata/policies/*.json", "testdata/accepted/*.json", "testdata/invalid/*.json"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			data, err := os.ReadFile(file)
			if err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := policy.Parse("fuzz.json", data)
		if err != nil {
			var errs policy.Errors
			if !errors.As(err, &errs) || len(errs) == 0 {
				t.Fatalf("error %T %v", err, err)
			}
			for _, e := range errs {
				if e.Pos.Line < 1 || e.Pos.Column < 1 {
					t.Fatalf("bad position in %v", e)
				}
			}
			return
		}
		if p == nil {
			t.Fatal("nil policy without error")
		}
	})
}

// Positions on one long line (compacted documents, as AWS stores them) must
// be exact whatever order they are asked in.
func TestPositionsOnOneLine(t *testing.T) {
	src := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},{"Effect":"Deny","Action":"é:x","Resource":"*"},{"Effect":"nope","Action":"*"}]}`
	_, err := policy.Parse("one.json", []byte(src))
	var errs policy.Errors
	if !errors.As(err, &errs) || len(errs) != 2 {
		t.Fatalf("got %v", err)
	}
	for _, e := range errs {
		want := strings.Index(src, `"é:x"`)
		if e.Path == "Statement[2].Effect" {
			want = strings.Index(src, `"nope"`)
		}
		// Columns count characters: é is two bytes before "nope".
		wantCol := len([]rune(src[:want])) + 1
		if e.Pos.Line != 1 || e.Pos.Column != wantCol || e.Pos.Offset != want {
			t.Errorf("%s at %v, want column %d offset %d", e.Path, e.Pos, wantCol, want)
		}
	}
}
