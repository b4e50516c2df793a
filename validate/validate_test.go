package validate_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/validate"
)

type checkCase struct {
	Code    string          `json:"code"`
	Type    string          `json:"type"`
	Raises  json.RawMessage `json:"raises"`
	Passes  json.RawMessage `json:"passes"`
	Options struct {
		Account  string   `json:"account"`
		Accounts []string `json:"organizationAccounts"`
	} `json:"opts"`
}

// document returns a case's policy text: a JSON string holds raw (possibly
// invalid) text, anything else is the policy itself.
func document(t *testing.T, raw json.RawMessage) []byte {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []byte(s)
	}
	return raw
}

func findingsFor(t *testing.T, tc checkCase, raw json.RawMessage) []validate.Finding {
	typ, err := validate.ParsePolicyType(tc.Type)
	if err != nil {
		t.Fatal(err)
	}
	return validate.Document("policy.json", document(t, raw), validate.Options{Type: typ, Account: tc.Options.Account, OrganizationAccounts: tc.Options.Accounts})
}

func has(fs []validate.Finding, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}

// TestChecks replays testdata/checks.json: for every issue code, a policy that
// raises it and one (a near miss where possible) that does not. Every rule in
// validate.Rules must have a case.
func TestChecks(t *testing.T) {
	data, err := os.ReadFile("testdata/checks.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Cases []checkCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, tc := range suite.Cases {
		covered[tc.Code] = true
		t.Run(tc.Code, func(t *testing.T) {
			rule, ok := validate.RuleFor(tc.Code)
			if !ok {
				t.Fatalf("no rule for %s", tc.Code)
			}
			got := findingsFor(t, tc, tc.Raises)
			if !has(got, tc.Code) {
				t.Errorf("policy that should raise %s got:\n%s", tc.Code, list(got))
			}
			for _, f := range got {
				if f.Code == tc.Code && (f.Type != rule.Type || f.LearnMore != rule.Link || f.Location.Line == 0 && tc.Code != "MISSING_STATEMENT") {
					t.Errorf("finding %+v does not carry its rule %+v or a position", f, rule)
				}
			}
			if clean := findingsFor(t, tc, tc.Passes); has(clean, tc.Code) {
				t.Errorf("policy that should not raise %s got:\n%s", tc.Code, list(clean))
			}
		})
	}
	for _, r := range validate.Rules {
		if !covered[r.Code] {
			t.Errorf("rule %s has no case in testdata/checks.json", r.Code)
		}
	}
}

func list(fs []validate.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.String() + "\n")
	}
	return b.String()
}

// Access Analyzer's links follow its reference page's anchors.
func TestLearnMoreLinks(t *testing.T) {
	r, _ := validate.RuleFor("PASS_ROLE_WITH_STAR_IN_RESOURCE")
	if r.Link != "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-security-warning-pass-role-with-star-in-resource" {
		t.Fatal(r.Link)
	}
	r, _ = validate.RuleFor("MISSING_VERSION")
	if !strings.HasSuffix(r.Link, "#access-analyzer-reference-policy-checks-general-warning-missing-version") {
		t.Fatal(r.Link)
	}
}

func TestGuessType(t *testing.T) {
	cases := map[string]validate.PolicyType{
		`{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`:                                          validate.Identity,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}]}`:                          validate.Resource,
		`{"Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`:           validate.Trust,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`: validate.Trust,
	}
	for src, want := range cases {
		p, _ := parse(src)
		if got := validate.GuessType("policy.json", p); got != want {
			t.Errorf("GuessType(%s) = %s, want %s", src, got, want)
		}
	}
	p, _ := parse(`{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)
	if validate.GuessType("org/scp-deny-regions.json", p) != validate.SCP || validate.GuessType("x/permissions-boundary.json", p) != validate.Boundary {
		t.Error("file name hints")
	}
}

// An unknown operator that happens to end in IfExists is an unknown operator
// (INVALID_CONDITION_OPERATOR), not Null with IfExists (the IAM User Guide,
// "IAM Access Analyzer policy check reference": Invalid condition operator,
// Null with if exists). The kind travels as condition.ErrUnknownOperator,
// not as words in the message.
func TestUnknownIfExistsOperator(t *testing.T) {
	for op, want := range map[string]string{
		"StringEqualzIfExists":     "INVALID_CONDITION_OPERATOR",
		"NullIfExists":             "NULL_WITH_IF_EXISTS",
		"ForAnyValue:NullIfExists": "NULL_WITH_IF_EXISTS",
	} {
		doc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"` + op + `":{"aws:SourceVpc":"vpc-1"}}}}`
		fs := validate.Document("p.json", []byte(doc), validate.Options{})
		if !has(fs, want) || (want == "INVALID_CONDITION_OPERATOR" && has(fs, "NULL_WITH_IF_EXISTS")) {
			t.Errorf("%s: findings %v, want %s", op, fs, want)
		}
	}
}
