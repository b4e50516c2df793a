package evaldoc_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
)

func TestParseDocument(t *testing.T) {
	doc := `{
  "principal": "arn:aws:iam::222222222222:role/LAMBDA_MASKOPY",
  "action": "rds:CopyDBSnapshot",
  "resource": "arn:aws:rds:us-east-1:111111111111:snapshot:maskopy-1",
  "context": { "aws:SecureTransport": "true", "aws:TagKeys": ["Project", "CostCenter"], "aws:MultiFactorAuthAge": 30, "aws:ViaAWSService": false },
  "policies": {
    "identity": [ { "Version": "2012-10-17", "Statement": [] } ],
    "resource": {},
    "permissionsBoundary": {},
    "session": {},
    "scp": [ [ {} ], [ {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]} ] ],
    "rcp": [ [ {} ] ],
    "endpoint": {}
  }
}`
	req, err := evaldoc.Parse("doc.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Policies.Identity) != 1 || req.Policies.Resource != nil || req.Policies.PermissionsBoundary != nil || req.Policies.Session != nil {
		t.Fatalf("policies: %+v", req.Policies)
	}
	if len(req.Policies.SCP) != 2 || len(req.Policies.SCP[0]) != 0 || len(req.Policies.SCP[1]) != 1 || len(req.Policies.RCP) != 1 {
		t.Fatalf("levels: %+v %+v", req.Policies.SCP, req.Policies.RCP)
	}
	if got := req.Context["aws:TagKeys"]; len(got) != 2 {
		t.Fatalf("multi-valued context: %v", got)
	}
	if got := req.Context["aws:MultiFactorAuthAge"]; len(got) != 1 || got[0] != "30" {
		t.Fatalf("numeric context: %v", got)
	}
	q, err := req.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	// The empty root RCP level allows nothing; AWS checks RCPs before SCPs
	// (reference_policies_evaluation-logic_policy-eval-denyallow.html).
	if r := engine.Authorize(q); r.Decision != engine.ImplicitDeny || r.Layer != engine.LayerRCP || r.Level != 0 {
		t.Fatalf("got %+v", r)
	}
}

func TestEmbeddedPolicyErrorPositions(t *testing.T) {
	doc := "{\"action\": \"s3:GetObject\",\n \"policies\": {\"resource\": {\"Version\": \"2012-10-17\", \"Statement\": [\n  {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}]}}}"
	_, err := evaldoc.Parse("doc.json", []byte(doc))
	want := "doc.json:3:3: policies.resource.Statement[0]: a resource policy statement needs a Principal or NotPrincipal element"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
}

// FuzzDocument feeds request documents through parsing, preparation and
// evaluation: nothing may panic, and Authorize must always agree with
// Explain. Seeded with every engine conformance case.
func FuzzDocument(f *testing.F) {
	data, err := os.ReadFile("../engine/testdata/conformance.json")
	if err != nil {
		f.Fatal(err)
	}
	var suite struct {
		Cases []struct {
			Doc json.RawMessage `json:"doc"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		f.Fatal(err)
	}
	for _, c := range suite.Cases {
		f.Add([]byte(c.Doc))
	}
	f.Fuzz(func(t *testing.T, doc []byte) {
		req, err := evaldoc.Parse("fuzz.json", doc)
		if err != nil {
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("empty error message")
			}
			return
		}
		q, err := req.Prepare()
		if err != nil {
			return
		}
		e := engine.Explain(q)
		if r := engine.Authorize(q); r.Decision != e.Decision || r.Layer != e.Result.Layer {
			t.Fatalf("Authorize %+v, Explain %+v", r, e.Result)
		}
		_ = e.Text()
	})
}

// AWS managed policies can be named by ARN wherever a policy goes.
func TestManagedPolicyARNs(t *testing.T) {
	doc := `{"principal": "arn:aws:sts::222222222222:assumed-role/LAMBDA_MASKOPY/fn", "action": "logs:PutLogEvents",
	  "resource": "arn:aws:logs:us-east-1:222222222222:log-group:/aws/lambda/maskopy:log-stream:x",
	  "policies": {"identity": ["arn:aws:iam::aws:policy/AWSLambdaExecute", "arn:aws:iam::aws:policy/service-role/AWSLambdaRole"],
	               "permissionsBoundary": "arn:aws:iam::aws:policy/ReadOnlyAccess"}}`
	req, err := evaldoc.Parse("doc.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	q, err := req.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	// AWSLambdaExecute allows logs:PutLogEvents; ReadOnlyAccess as a boundary does not.
	e := engine.Explain(q)
	if e.Decision != engine.ImplicitDeny || e.Result.Layer != engine.LayerBoundary {
		t.Fatalf("%s", e.Text())
	}
	if len(e.Matched) == 0 || e.Matched[0].PolicyName != "arn:aws:iam::aws:policy/AWSLambdaExecute" {
		t.Fatalf("matched %+v", e.Matched)
	}
	for _, bad := range []string{`"arn:aws:iam::111111111111:policy/Mine"`, `"arn:aws:iam::aws:policy/NoSuchPolicy"`} {
		_, err := evaldoc.Parse("doc.json", []byte(`{"action":"s3:GetObject","policies":{"identity":[`+bad+`]}}`))
		if err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
