package policy_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/policy"
)

// AcceptanceCase is one case of testdata/acceptance: a document, the kind
// of IAM API that stores it, and IAM's answer, with its source.
type acceptanceCase struct {
	Name     string          `json:"name"`
	Kind     string          `json:"kind"`
	Source   string          `json:"source"`
	Document json.RawMessage `json:"document"`
	Accepted bool            `json:"accepted"`
	Message  string          `json:"message"`
}

// text is the document as sent: a JSON string is the raw text (which may
// not be JSON at all), anything else is the document itself.
func (c acceptanceCase) text() []byte {
	var s string
	if json.Unmarshal(c.Document, &s) == nil {
		return []byte(s)
	}
	return c.Document
}

func loadAcceptance(t testing.TB) []acceptanceCase {
	var all []acceptanceCase
	for _, f := range readDir(t, "../testdata/acceptance/*.json") {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var suite struct {
			Cases []acceptanceCase `json:"cases"`
		}
		if err := json.Unmarshal(data, &suite); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range suite.Cases {
			if c.Source == "" || (c.Accepted == (c.Message != "")) {
				t.Fatalf("%s: case %q needs a source and exactly one of accepted or message", filepath.Base(f), c.Name)
			}
		}
		all = append(all, suite.Cases...)
	}
	return all
}

// acceptanceWorld is the world the principal cases assume: account
// 111111111111 with the user alice; other accounts are outside it.
func acceptanceWorld(arn string) bool {
	if !strings.HasPrefix(arn, "arn:aws:iam::111111111111:") {
		return true
	}
	return arn == "arn:aws:iam::111111111111:user/alice"
}

// TestIAMAcceptance replays the acceptance corpus through CheckIAM: IAM's
// answer word for word, and a positioned detail for every refusal. The
// server replays the same corpus through the IAM API. A document IAM
// stores must also parse, so the world can load what the API stored.
func TestIAMAcceptance(t *testing.T) {
	for _, c := range loadAcceptance(t) {
		t.Run(c.Kind+"/"+c.Name, func(t *testing.T) {
			kind, ok := policy.ParseIAMKind(c.Kind)
			if !ok {
				t.Fatalf("kind %q", c.Kind)
			}
			r := policy.CheckIAM("doc.json", c.text(), kind, policy.IAMOptions{PrincipalExists: acceptanceWorld})
			switch {
			case c.Accepted && r != nil:
				t.Fatalf("refused with %v; IAM stores it (%s)", r, c.Source)
			case !c.Accepted && r == nil:
				t.Fatalf("accepted; IAM answers %q (%s)", c.Message, c.Source)
			case !c.Accepted && r.Message != c.Message:
				t.Fatalf("message %q\nIAM says  %q (%s)\ndetail: %v", r.Message, c.Message, c.Source, r.Detail)
			case !c.Accepted && (r.Detail == nil || r.Detail.Pos.Line < 1 || r.Detail.Msg == ""):
				t.Fatalf("no positioned detail: %+v", r)
			}
			if c.Accepted {
				if _, err := policy.Parse("doc.json", c.text()); err != nil {
					t.Fatalf("IAM stores it but Parse refuses it: %v", err)
				}
			}
		})
	}
}

// TestIAMRejectionsGolden keeps what people read for each refusal: IAM's
// words and iamgate's positioned detail. Run with -update to rewrite.
func TestIAMRejectionsGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range loadAcceptance(t) {
		if c.Accepted {
			continue
		}
		kind, _ := policy.ParseIAMKind(c.Kind)
		r := policy.CheckIAM("doc.json", c.text(), kind, policy.IAMOptions{PrincipalExists: acceptanceWorld})
		if r == nil {
			continue // TestIAMAcceptance reports it
		}
		b.WriteString("== " + c.Kind + ": " + c.Name + "\n" + r.Error() + "\n")
	}
	golden := "testdata/iam.golden"
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
		t.Errorf("messages differ from %s (run go test ./policy -update and review the diff):\n%s", golden, b.String())
	}
}

// FuzzCheckIAM is seeded with the acceptance corpus: CheckIAM never panics,
// a refusal always carries IAM's words and a position, and whatever IAM
// stores also parses.
func FuzzCheckIAM(f *testing.F) {
	for _, c := range loadAcceptance(f) {
		kind, _ := policy.ParseIAMKind(c.Kind)
		f.Add(c.text(), uint8(kind))
	}
	f.Fuzz(func(t *testing.T, data []byte, k uint8) {
		kind := policy.IAMKind(k%3 + 1)
		r := policy.CheckIAM("fuzz.json", data, kind, policy.IAMOptions{})
		if r != nil {
			if r.Message == "" || r.Detail == nil || r.Detail.Pos.Line < 1 || r.Detail.Pos.Column < 1 {
				t.Fatalf("refusal without words or position: %+v", r)
			}
			return
		}
		if _, err := policy.Parse("fuzz.json", data); err != nil {
			t.Fatalf("IAM (%s) stores it but Parse refuses it: %v", kind, err)
		}
	})
}
