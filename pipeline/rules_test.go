package pipeline_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/world"
)

type ruleCase struct {
	Name            string         `yaml:"name"`
	Rules           []yaml.Node    `yaml:"rules"`
	Match           map[string]any `yaml:"match"`
	MandatoryDenies string         `yaml:"mandatoryDenies"`
	Account         string         `yaml:"account"`
	Team            string         `yaml:"team"`
	Document        any            `yaml:"document"`
	Text            string         `yaml:"text"`
	Big             int            `yaml:"big"`
	Want            []string       `yaml:"want"`
	Message         string         `yaml:"message"`
	Line            int            `yaml:"line"`
	Appended        []string       `yaml:"appended"`
	ConfigError     string         `yaml:"configError"`
}

// The rule conformance suite (testdata/rules.yaml): every rule kind, the
// pipeline's own checks, and the mandatory denies, each case a ruleset of
// its own over testdata/world.yaml.
func TestRuleConformance(t *testing.T) {
	data, err := os.ReadFile("testdata/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Cases []ruleCase `yaml:"cases"`
	}
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	dec.KnownFields(true)
	if err := dec.Decode(&suite); err != nil {
		t.Fatal(err)
	}
	w, err := world.LoadFile("testdata/world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range suite.Cases {
		t.Run(c.Name, func(t *testing.T) {
			match := c.Match
			if match == nil {
				match = map[string]any{"all": true}
			}
			set := map[string]any{"name": "case", "match": match, "rules": c.Rules}
			if c.MandatoryDenies != "" {
				set["mandatoryDenies"] = c.MandatoryDenies
			}
			text, err := yaml.Marshal(map[string]any{"securityAccount": "333333333333", "rulesets": []any{set}})
			if err != nil {
				t.Fatal(err)
			}
			g, err := pipeline.ParseGuardrails("guardrails.yaml", text)
			if err != nil {
				t.Fatal(err)
			}
			doc := []byte(c.Text)
			switch {
			case c.Big > 0:
				doc = []byte(`{"Version":"2012-10-17","Statement":[{"Sid":"` + strings.Repeat("A", c.Big) + `","Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
			case c.Document != nil:
				if doc, err = json.MarshalIndent(c.Document, "", "  "); err != nil {
					t.Fatal(err)
				}
			}
			account := c.Account
			if account == "" {
				account = "111111111111"
			}
			sub := &pipeline.Submission{Metadata: pipeline.Metadata{PolicyName: "P", Account: account, Team: c.Team}, Document: doc, File: "policy.json"}
			res, err := pipeline.Check(sub, pipeline.Env{World: w, Guardrails: g})
			if c.ConfigError != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.ConfigError) {
					t.Fatalf("error %v, want %q...", err, c.ConfigError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res.Reasons {
				got = append(got, r.Rule)
				if r.Message == "" || r.Location.File == "" {
					t.Errorf("reason without message or file: %+v", r)
				}
				switch {
				case r.Counterexample != nil:
					provesBeyond(t, w, r.Counterexample, boundaryName(t, c.Rules))
				case strings.Contains(r.Message, "beyond the reference boundary"):
					t.Errorf("a boundary rejection without its counterexample: %+v", r)
				}
			}
			if strings.Join(got, " ") != strings.Join(c.Want, " ") || res.Accepted != (len(c.Want) == 0) {
				t.Fatalf("reasons %v (accepted %v), want %v\n%v", got, res.Accepted, c.Want, res.Reasons)
			}
			if c.Message != "" && !strings.Contains(res.Reasons[0].Message, c.Message) {
				t.Errorf("message %q lacks %q", res.Reasons[0].Message, c.Message)
			}
			if c.Line != 0 && res.Reasons[0].Location.Line != c.Line {
				t.Errorf("line %d, want %d", res.Reasons[0].Location.Line, c.Line)
			}
			if c.Appended != nil && strings.Join(res.Appended, " ") != strings.Join(c.Appended, " ") {
				t.Errorf("appended %v, want %v", res.Appended, c.Appended)
			}
		})
	}
}

// provesBeyond checks a boundary rejection's counterexample: the engine
// allows it as given (under the submitted document) and denies it with the
// reference boundary's document in the document's place.
func provesBeyond(t *testing.T, w *world.World, cx json.RawMessage, boundary string) {
	t.Helper()
	req, err := evaldoc.Parse("counterexample.json", cx)
	if err != nil {
		t.Fatalf("counterexample: %v\n%s", err, cx)
	}
	if d := engine.Authorize(mustPrepare(t, req)).Decision; d != engine.Allowed {
		t.Fatalf("the counterexample is %s under the submission:\n%s", d, cx)
	}
	var doc map[string]any
	if err := json.Unmarshal(cx, &doc); err != nil {
		t.Fatal(err)
	}
	mp, ok := w.ManagedPolicy("arn:aws:iam::333333333333:policy/" + boundary)
	if !ok {
		t.Fatalf("no boundary %q", boundary)
	}
	doc["policies"] = map[string]any{"identity": []json.RawMessage{mp.Default().JSON}}
	swapped, _ := json.Marshal(doc)
	req, err = evaldoc.Parse("swapped.json", swapped)
	if err != nil {
		t.Fatal(err)
	}
	if d := engine.Authorize(mustPrepare(t, req)).Decision; d == engine.Allowed {
		t.Fatalf("the counterexample is allowed by the boundary too:\n%s", swapped)
	}
}

// boundaryName is the reference boundary a case's rules name.
func boundaryName(t *testing.T, rules []yaml.Node) string {
	t.Helper()
	for _, n := range rules {
		var r struct {
			Boundary string `yaml:"boundary"`
		}
		if err := n.Decode(&r); err == nil && r.Boundary != "" {
			return r.Boundary
		}
	}
	t.Fatal("a counterexample from a case without a boundary rule")
	return ""
}

func mustPrepare(t *testing.T, r engine.Request) *engine.Prepared {
	t.Helper()
	q, err := r.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// Guardrails that cannot work are refused at load, naming file and line.
func TestBadGuardrails(t *testing.T) {
	cases := map[string]struct{ src, want string }{
		"no security account": {"rulesets: [{name: a, match: {all: true}, rules: []}]\n", `g.yaml:1: securityAccount ""`},
		"two checks in a rule": {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    match: {all: true}\n    rules:\n      - {id: r, starStar: true, findings: ERROR}\n",
			`g.yaml:6: rule "r" sets starStar, findings`},
		"no check":               {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    match: {all: true}\n    rules:\n      - {id: r}\n", `g.yaml:6: rule "r" checks nothing`},
		"unknown field":          {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    match: {all: true}\n    rules:\n      - {id: r, starstar: true}\n", "field starstar not found"},
		"bad finding type":       {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    match: {all: true}\n    rules:\n      - {findings: FATAL}\n", "g.yaml:6"},
		"bad access level":       {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    match: {all: true}\n    rules:\n      - {maxAccessLevel: {iam: Admin}}\n", `maxAccessLevel iam: "Admin"`},
		"unknown service":        {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    match: {all: true}\n    rules:\n      - {allowedServices: [s4]}\n", `service "s4" is not in the service catalog`},
		"no match":               {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    rules: []\n", `g.yaml:3: ruleset "a": match needs`},
		"duplicate ruleset":      {"securityAccount: \"333333333333\"\nrulesets:\n  - {name: a, match: {all: true}}\n  - {name: a, match: {all: true}}\n", `g.yaml:4: ruleset "a" is defined twice`},
		"bad forbidden resource": {"securityAccount: \"333333333333\"\nrulesets:\n  - name: a\n    match: {all: true}\n    rules:\n      - {forbiddenResources: [security-*]}\n", "want an ARN pattern"},
		"no rulesets":            {"securityAccount: \"333333333333\"\n", "no rulesets"},
	}
	for name, c := range cases {
		_, err := pipeline.ParseGuardrails("g.yaml", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", name, err, c.want)
		}
	}
}
