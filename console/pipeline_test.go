package console_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

const pipelineExample = "../examples/policy-pipeline"

const sandbox = "444444444444"

// pipelineEnv serves the pipeline example's world with the pipeline on
// (its guardrails stored as version 1), and returns an access key of each
// of alice (sandbox, AdministratorAccess) and dave (dev, another account).
func pipelineEnv(t *testing.T) (*env, map[string]aws.Credentials) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w, err := world.LoadFile(filepath.Join(pipelineExample, "world.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveWorld(ctx, st, w); err != nil {
		t.Fatal(err)
	}
	g, err := pipeline.LoadGuardrails(filepath.Join(pipelineExample, "guardrails.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	e := startEnv(t, st, new(atomic.Int64), func(c *server.Config) {
		c.Account = "100000000000"
		c.Pipeline = &server.PipelineConfig{Role: "arn:aws:iam::333333333333:role/central-policy-function", Guardrails: g}
	})
	keys := map[string]aws.Credentials{}
	for user, acct := range map[string]string{"alice": sandbox, "dave": "555555555555"} {
		k, err := e.srv.Keys().CreateAccessKey(ctx, acct, user)
		if err != nil {
			t.Fatal(err)
		}
		keys[user] = aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	}
	return e, keys
}

// ownPipeline turns the pipeline on with the env's own account as the
// security account, and one ruleset rejecting "*" on "*": enough to reject
// a submission (a rejected one creates nothing, so the pipeline's role
// need not exist).
func ownPipeline(t testing.TB) func(*server.Config) {
	t.Helper()
	g, err := pipeline.ParseGuardrails("guardrails.yaml", []byte("securityAccount: \""+account+"\"\nrulesets:\n  - name: every-account\n    match: {all: true}\n    rules:\n      - id: no-star-star\n        starStar: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	return func(c *server.Config) {
		c.Pipeline = &server.PipelineConfig{Role: "arn:aws:iam::" + account + ":role/central-policy-function", Guardrails: g}
	}
}

// consoleUser gives a user of the key's account a console password
// (creating the user first when create), with the key's IAM calls.
func (e *env) consoleUser(key aws.Credentials, name, password string, create bool) {
	t := e.t
	t.Helper()
	ctx := context.Background()
	c := iam.New(iam.Options{Region: "us-east-1", Credentials: provider(key), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}})
	if create {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name)}))
	}
	must[*iam.CreateLoginProfileOutput](t)(c.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(name), Password: aws.String(password)}))
}

// submit posts a submission to the pipeline API, signed with key, and
// returns its ID.
func (e *env) submit(key aws.Credentials, name string, doc []byte) string {
	t := e.t
	t.Helper()
	body, _ := json.Marshal(map[string]any{"policyName": name, "document": string(doc)})
	r, err := http.NewRequest(http.MethodPost, e.ts.URL+server.PipelinePath+"submissions", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), key, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var out struct {
		ID string `json:"id"`
	}
	if res.StatusCode != http.StatusOK || json.Unmarshal(data, &out) != nil || out.ID == "" {
		t.Fatalf("submission: %d %s", res.StatusCode, data)
	}
	return out.ID
}

// signedInAt signs a user of another account than the default in.
func (b *browser) signedInAt(acct, user, password string) {
	b.t.Helper()
	if r := b.signIn(acct, user, password); r.status != http.StatusSeeOther || r.location != "/console/" {
		b.t.Fatalf("sign-in of %s in %s: %d %s %s", user, acct, r.status, r.location, r.body)
	}
}

// TestPipelinePage: a submission made through the pipeline API (the
// seed's "*" on "*", rejected) is listed for its account, newest first,
// with its status; its page shows the document with the reason at its
// line and column (policy.json:6:17, as `iamgate pipeline check` reports
// it, README "The central policy pipeline"), and the guardrails version
// that checked it and the one in force.
func TestPipelinePage(t *testing.T) {
	e, keys := pipelineEnv(t)
	doc, err := os.ReadFile(filepath.Join(pipelineExample, "submissions", "star-star", "policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	first := e.submit(keys["alice"], "First", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`))
	id := e.submit(keys["alice"], "AllTheThings", doc)
	e.consoleUser(keys["alice"], "alice", "Alice-Passw0rd12", false)
	b := e.browser()
	b.signedInAt(sandbox, "alice", "Alice-Passw0rd12")

	r := b.get("/console/pipeline")
	if r.status != http.StatusOK {
		t.Fatalf("pipeline: %d %s", r.status, r.body)
	}
	for _, w := range []string{"Submissions for account " + sandbox, `href="/console/pipeline/submissions/` + id + `">AllTheThings</a>`,
		`<span class="status rejected">rejected</span>`, "2 of 2 submissions, newest first", "Guardrails in force", "Version 1", `aria-current="page">Pipeline`} {
		if !strings.Contains(r.body, w) {
			t.Errorf("the pipeline page lacks %q", w)
		}
	}
	if i, j := strings.Index(r.body, id), strings.Index(r.body, first); i < 0 || j < 0 || i > j {
		t.Errorf("the newest submission %s is not listed before %s", id, first)
	}

	s := b.get("/console/pipeline/submissions/" + id)
	if s.status != http.StatusOK {
		t.Fatalf("submission: %d %s", s.status, s.body)
	}
	line6 := `<span class="ln hl" id="L6">   6</span>  <mark>      &#34;Action&#34;: &#34;*&#34;,</mark>` + "\n" +
		`<span class="reason">      ` + strings.Repeat(" ", 16) + `^ <a href="#reason-1">[every-account/no-star-star]</a> Policy creation request rejected: * permissions not allowed in both actions and resources`
	for _, w := range []string{line6, `<a href="#L6">line 6, column 17</a>`, `<span class="ln" id="L5">`,
		"Checked with</dt><dd>guardrails version 1", "In force now</dt><dd>guardrails version 1", "Rulesets</dt><dd>every-account, sandbox"} {
		if !strings.Contains(s.body, w) {
			t.Errorf("the submission page lacks %q", w)
		}
	}
	if strings.Contains(s.body, `class="ln hl" id="L5"`) {
		t.Error("line 5 is highlighted, but no reason is there")
	}
	// The pages' calls are in the audit log, as the API's are.
	if a := b.get("/console/audit?action=GetSubmission"); a.status != http.StatusOK || !strings.Contains(a.body, "<td>pipeline:GetSubmission</td><td>OK</td>") ||
		!strings.Contains(a.body, "iamgate:GetSubmission on arn:aws:iamgate::"+sandbox+":submission/"+sandbox+"/AllTheThings: allowed") {
		t.Errorf("the audit log lacks the console's GetSubmission: %d %s", a.status, a.body)
	}
}

// TestPipelinePageDenied: a user without iamgate:ListSubmissions and
// iamgate:GetSubmission gets AWS's AccessDenied with the action; a user of
// another account (dev, an administrator there) cannot list the sandbox's
// submissions, and its submission is NoSuchEntity to it, as the API says.
func TestPipelinePageDenied(t *testing.T) {
	e, keys := pipelineEnv(t)
	id := e.submit(keys["alice"], "Mine", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`))
	e.consoleUser(keys["alice"], "bob", "Bob-Passw0rd1234", true)
	b := e.browser()
	b.signedInAt(sandbox, "bob", "Bob-Passw0rd1234")
	for path, action := range map[string]string{"/console/pipeline": "iamgate:ListSubmissions", "/console/pipeline/submissions/" + id: "iamgate:GetSubmission"} {
		r := b.get(path)
		if r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") || !strings.Contains(r.body, action) || strings.Contains(r.body, "ec2:DescribeInstances") {
			t.Errorf("%s for bob: %d, want AccessDenied on %s: %s", path, r.status, action, r.body)
		}
	}

	e.consoleUser(keys["dave"], "dave", "Dave-Passw0rd1234", false)
	d := e.browser()
	d.signedInAt("555555555555", "dave", "Dave-Passw0rd1234")
	if r := d.get("/console/pipeline?account=" + sandbox); r.status != http.StatusForbidden || !strings.Contains(r.body, "AccessDenied") || strings.Contains(r.body, id) {
		t.Errorf("dave listing the sandbox: %d %s", r.status, r.body)
	}
	if r := d.get("/console/pipeline/submissions/" + id); r.status != http.StatusNotFound || !strings.Contains(r.body, "NoSuchEntity") || strings.Contains(r.body, "ec2:DescribeInstances") {
		t.Errorf("dave reading the sandbox's submission: %d %s", r.status, r.body)
	}
	if r := d.get("/console/pipeline"); r.status != http.StatusOK || !strings.Contains(r.body, "No submissions for this account yet.") {
		t.Errorf("dave's own account: %d %s", r.status, r.body)
	}
}

// TestPipelineOff: without the pipeline, the page says so.
func TestPipelineOff(t *testing.T) {
	e := newEnv(t)
	e.user("ana", "Ana-Passw0rd12", readOnly, false)
	b := e.browser()
	b.signedIn(e, "ana", "Ana-Passw0rd12", "")
	for _, p := range []string{"/console/pipeline", "/console/pipeline/submissions/s-1"} {
		if r := b.get(p); r.status != http.StatusOK || !strings.Contains(r.body, "The pipeline is not enabled") {
			t.Errorf("%s without a pipeline: %d %s", p, r.status, r.body)
		}
	}
}

// TestPipelinePageOwnARN: a user allowed iamgate:GetSubmission on one
// submission's ARN only (arn:aws:iamgate::ACCOUNT:submission/TARGET/NAME,
// README "The central policy pipeline") reads that submission's page, and
// gets AccessDenied for another submission and for the list.
func TestPipelinePageOwnARN(t *testing.T) {
	e := newEnv(t, ownPipeline(t))
	mine := e.submit(e.admin, "Mine", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	other := e.submit(e.admin, "Other", []byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`))
	e.user("lim", "Lim-Passw0rd1234", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iamgate:GetSubmission","Resource":"arn:aws:iamgate::`+account+`:submission/`+account+`/Mine"}]}`, false)
	b := e.browser()
	b.signedIn(e, "lim", "Lim-Passw0rd1234", "")
	if r := b.get("/console/pipeline/submissions/" + mine); r.status != http.StatusOK || !strings.Contains(r.body, "[every-account/no-star-star]") ||
		!strings.Contains(r.body, "not authorized to perform: iamgate:GetGuardrails") {
		t.Errorf("lim's own submission: %d %s", r.status, r.body)
	}
	for path, action := range map[string]string{"/console/pipeline/submissions/" + other: "iamgate:GetSubmission", "/console/pipeline": "iamgate:ListSubmissions"} {
		if r := b.get(path); r.status != http.StatusForbidden || !strings.Contains(r.body, action) || strings.Contains(r.body, "no-star-star") {
			t.Errorf("%s for lim: %d %s", path, r.status, r.body)
		}
	}
}
