package engine_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/evaldoc"
)

type conformanceCase struct {
	Name  string          `json:"name"`
	Rule  string          `json:"rule"`
	Want  string          `json:"want"`
	Layer string          `json:"layer"`
	Doc   json.RawMessage `json:"doc"`
}

func loadConformance(t testing.TB) []conformanceCase {
	data, err := os.ReadFile("testdata/conformance.json")
	if err != nil {
		t.Fatal(err)
	}
	var suite struct {
		Cases []conformanceCase `json:"cases"`
	}
	if err := json.Unmarshal(data, &suite); err != nil {
		t.Fatal(err)
	}
	return suite.Cases
}

// TestConformance replays testdata/conformance.json: each case is an
// `iamgate eval` request document with the decision and deciding layer AWS
// gives, and names the AWS documentation rule it checks. Explain and
// Authorize must agree on every case.
func TestConformance(t *testing.T) {
	cases := loadConformance(t)
	if len(cases) < 60 {
		t.Fatalf("only %d cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			var doc struct {
				Level *int `json:"level"`
			}
			_ = json.Unmarshal(tc.Doc, &doc)
			raw := stripKey(t, tc.Doc, "level")
			req, err := evaldoc.Parse(tc.Name, raw)
			if err != nil {
				t.Fatal(err)
			}
			req.Time = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
			q, err := req.Prepare()
			if err != nil {
				t.Fatal(err)
			}
			e := engine.Explain(q)
			r := engine.Authorize(q)
			if r.Decision != e.Decision || r.Layer != e.Result.Layer || r.Level != e.Result.Level {
				t.Fatalf("Authorize %+v and Explain %+v disagree", r, e.Result)
			}
			if got := e.Decision.String(); got != tc.Want {
				t.Fatalf("decision %s, want %s (rule: %s)\n%s", got, tc.Want, tc.Rule, e.Text())
			}
			if tc.Layer != "" && r.Layer.String() != tc.Layer {
				t.Fatalf("decided by %s, want %s (rule: %s)\n%s", r.Layer, tc.Layer, tc.Rule, e.Text())
			}
			if doc.Level != nil && r.Level != *doc.Level {
				t.Fatalf("level %d, want %d", r.Level, *doc.Level)
			}
			if r.Decision == engine.ExplicitDeny && !r.Statement.Valid() {
				t.Fatal("an explicit deny must name its statement")
			}
		})
	}
}

func stripKey(t testing.TB, raw json.RawMessage, key string) []byte {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	delete(m, key)
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCompileRejectsMisplacedElements(t *testing.T) {
	p := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`
	for _, typ := range []engine.PolicyType{engine.IdentityPolicy, engine.BoundaryPolicy, engine.SessionPolicy, engine.SCP} {
		if _, err := compileText(typ, p); err == nil {
			t.Errorf("%s policy with a Principal compiled", typ)
		}
	}
	noP := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	for _, typ := range []engine.PolicyType{engine.ResourcePolicy, engine.RCP, engine.EndpointPolicy} {
		if _, err := compileText(typ, noP); err == nil {
			t.Errorf("%s policy without a Principal compiled", typ)
		}
	}
}

func TestParsePrincipal(t *testing.T) {
	cases := map[string]engine.PrincipalKind{
		"":                                   engine.Anonymous,
		"anonymous":                          engine.Anonymous,
		"111111111111":                       engine.AccountRoot,
		"arn:aws:iam::111111111111:root":     engine.AccountRoot,
		"arn:aws:iam::111111111111:user/a/b": engine.User,
		"arn:aws:iam::111111111111:role/p/r": engine.Role,
		"arn:aws:sts::111111111111:assumed-role/r/s":   engine.AssumedRole,
		"arn:aws:sts::111111111111:federated-user/f":   engine.FederatedUser,
		"lambda.amazonaws.com":                         engine.Service,
		"cognito-identity.amazonaws.com":               engine.WebIdentity,
		"arn:aws:iam::111111111111:saml-provider/okta": engine.WebIdentity,
	}
	for s, want := range cases {
		p, err := engine.ParsePrincipal(s)
		if err != nil || p.Kind != want {
			t.Errorf("ParsePrincipal(%q) = %v, %v; want %v", s, p.Kind, err, want)
		}
	}
	for _, bad := range []string{"bob", "arn:aws:s3:::bucket", "arn:aws:iam::12:user/x", "arn:aws:sts::111111111111:assumed-role/r"} {
		if _, err := engine.ParsePrincipal(bad); err == nil {
			t.Errorf("ParsePrincipal(%q) accepted", bad)
		}
	}
	p, _ := engine.ParsePrincipal("arn:aws:iam::111111111111:role/aws-service-role/support.amazonaws.com/AWSServiceRoleForSupport")
	if !p.ServiceLinked {
		t.Error("service-linked role not recognized")
	}
}

// Concurrent use of one compiled policy set and prepared request.
func TestConcurrentAuthorize(t *testing.T) {
	q := crossAccountRequest(t)
	want := engine.Authorize(q)
	done := make(chan bool)
	for g := 0; g < 8; g++ {
		go func() {
			ok := true
			for i := 0; i < 1000; i++ {
				if engine.Authorize(q) != want {
					ok = false
				}
			}
			done <- ok
		}()
	}
	for g := 0; g < 8; g++ {
		if !<-done {
			t.Fatal("concurrent decisions differ")
		}
	}
}

func TestWithContext(t *testing.T) {
	id := engine.MustCompile(engine.IdentityPolicy, "id", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
"Condition":{"StringEquals":{"aws:username":"alice","test:k":"v"}}}]}`)
	q, err := engine.Request{Principal: "arn:aws:iam::111111111111:user/alice", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k",
		Context: map[string][]string{"test:k": {"v"}}, Policies: engine.Policies{Identity: []*engine.Policy{id}}}.Prepare()
	if err != nil {
		t.Fatal(err)
	}
	if d := engine.Authorize(q).Decision; d != engine.Allowed {
		t.Fatalf("base: %v", d)
	}
	if d := engine.Authorize(q.WithContext(nil, []string{"AWS:UserName"})).Decision; d != engine.ImplicitDeny {
		t.Fatalf("derived key removed: %v", d)
	}
	if d := engine.Authorize(q.WithContext(map[string][]string{"Test:K": {"w"}}, nil)).Decision; d != engine.ImplicitDeny {
		t.Fatalf("key replaced: %v", d)
	}
	if d := engine.Authorize(q).Decision; d != engine.Allowed {
		t.Fatalf("original changed: %v", d)
	}
}
