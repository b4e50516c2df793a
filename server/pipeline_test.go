package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/iamgate/iamgate/pipeline"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

const pipelineExample = "../examples/policy-pipeline"

// pipelineEnv serves the example's world (examples/policy-pipeline) with
// the pipeline on, and returns keys for alice (sandbox), dave (dev) and
// secops (security).
func pipelineEnv(t testing.TB, realEndpoint bool) (*env, map[string]aws.Credentials) {
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
	pc := &server.PipelineConfig{Role: "arn:aws:iam::333333333333:role/central-policy-function", Guardrails: g}
	e := startEnvWith(t, st, func(c *server.Config) {
		c.Account = "100000000000"
		c.Pipeline = pc
	})
	if realEndpoint {
		// The pipeline's STS and IAM calls go over a socket, as to AWS.
		pc.Endpoint = e.ts.URL
	}
	keys := map[string]aws.Credentials{}
	for user, acct := range map[string]string{"alice": "444444444444", "dave": "555555555555", "tess": "666666666666", "secops": "333333333333"} {
		k, err := e.srv.Keys().CreateAccessKey(ctx, acct, user)
		if err != nil {
			t.Fatal(err)
		}
		keys[user] = aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	}
	return e, keys
}

// pipelineCall sends a signed request to the pipeline API and decodes the
// JSON answer.
func pipelineCall(t *testing.T, e *env, c aws.Credentials, method, path, contentType string, body []byte) (int, map[string]any) {
	t.Helper()
	r, err := http.NewRequest(method, e.ts.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	signRequest(t, r, body, c)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %s", method, path, res.StatusCode, data)
	}
	return res.StatusCode, out
}

func readSubmission(t *testing.T, dir string) *pipeline.Submission {
	t.Helper()
	s, err := pipeline.Read(filepath.Join(pipelineExample, "submissions", dir))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func statuses(rec map[string]any) string {
	var out []string
	for _, h := range rec["history"].([]any) {
		out = append(out, h.(map[string]any)["status"].(string))
	}
	return strings.Join(out, " ")
}

// The seed's walkthrough (seed 002, first article) end to end: Alice's
// policy.zip with Ec2RunTeamA is accepted and created in the sandbox
// account by the pipeline's role through STS AssumeRole and IAM
// CreatePolicy, with the central denies appended; "*" on "*" is rejected
// with the seed's message; a policy breaking the sandbox's rules is
// rejected with its rule and place; a dev account without
// central-account-role, and a test account whose role does not trust the
// security account, fail safely, creating nothing.
func TestPipelineSeedWalkthrough(t *testing.T) {
	for _, real := range []bool{false, true} {
		name := map[bool]string{false: "in process", true: "over a socket"}[real]
		t.Run(name, func(t *testing.T) { pipelineWalkthrough(t, real) })
	}
}

func pipelineWalkthrough(t *testing.T, realEndpoint bool) {
	e, keys := pipelineEnv(t, realEndpoint)
	ctx := context.Background()
	alice := keys["alice"]

	// Alice uploads the seed's policy.zip.
	zip, err := readSubmission(t, "ec2-run-team-a").Zip()
	if err != nil {
		t.Fatal(err)
	}
	code, rec := pipelineCall(t, e, alice, "POST", "/v1/pipeline/submissions", "application/zip", zip)
	if code != 200 || rec["status"] != pipeline.Created || statuses(rec) != "received checked created" {
		t.Fatalf("Ec2RunTeamA: %d %v", code, rec)
	}
	if rec["policyArn"] != "arn:aws:iam::444444444444:policy/Ec2RunTeamA" || rec["team"] != "data-science" ||
		rec["submitter"] != "arn:aws:iam::444444444444:user/alice" {
		t.Fatalf("record: %v", rec)
	}
	final := rec["result"].(map[string]any)["document"].(string)
	// The created policy, read back with IAM as Alice: the submission with
	// the central denies appended.
	c := e.iam(alice)
	pol := must[*iam.GetPolicyOutput](t)(c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::444444444444:policy/Ec2RunTeamA")}))
	if aws.ToString(pol.Policy.Description) != "ec2 start permission policy" {
		t.Fatalf("description: %q", aws.ToString(pol.Policy.Description))
	}
	ver := must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: pol.Policy.Arn, VersionId: pol.Policy.DefaultVersionId}))
	doc, _ := url.QueryUnescape(aws.ToString(ver.PolicyVersion.Document))
	if doc != final || !strings.Contains(doc, `"Sid":"CentralDenyDenyNonT2Instances"`) || !strings.Contains(doc, `"Sid":"EC2Run"`) {
		t.Fatalf("created document: %s\nwant %s", doc, final)
	}
	// Alice cannot create policies herself (the organization's SCP).
	var ae smithy.APIError
	_, err = c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("Mine"), PolicyDocument: aws.String(allowS3)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), "service control policy") {
		t.Fatalf("Alice's own CreatePolicy: %v", err)
	}

	// "*" on "*": the seed's message, nothing created.
	star := readSubmission(t, "star-star")
	body, _ := json.Marshal(map[string]any{"policyName": star.PolicyName, "description": star.PolicyDescription, "document": json.RawMessage(star.Document)})
	code, rec = pipelineCall(t, e, alice, "POST", "/v1/pipeline/submissions", "application/json", body)
	reasons, _ := rec["result"].(map[string]any)["reasons"].([]any)
	if code != 200 || rec["status"] != pipeline.Rejected || len(reasons) == 0 ||
		reasons[0].(map[string]any)["message"] != pipeline.StarStarMessage {
		t.Fatalf("star-star: %d %v", code, rec)
	}
	if _, err := c.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::444444444444:policy/AllTheThings")}); !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("a rejected policy exists: %v", err)
	}

	// A sandbox rule: no IAM actions, with the statement and its place.
	iamSub := readSubmission(t, "sandbox-iam")
	body, _ = json.Marshal(map[string]any{"policyName": iamSub.PolicyName, "document": string(iamSub.Document)})
	_, rec = pipelineCall(t, e, alice, "POST", "/v1/pipeline/submissions", "application/json", body)
	reasons, _ = rec["result"].(map[string]any)["reasons"].([]any)
	if rec["status"] != pipeline.Rejected || len(reasons) != 1 {
		t.Fatalf("sandbox-iam: %v", rec)
	}
	r0 := reasons[0].(map[string]any)
	if r0["rule"] != "sandbox/sandbox-services" || r0["statement"] != "TeamUsers" || r0["location"].(map[string]any)["line"] != float64(13) || r0["fix"] == "" {
		t.Fatalf("reason: %v", r0)
	}

	// The dev account has no central-account-role: accepted by the
	// guardrails, but nothing is created, and the record says why.
	devSub := readSubmission(t, "dev-ec2")
	body, _ = json.Marshal(map[string]any{"policyName": devSub.PolicyName, "account": devSub.Account, "document": string(devSub.Document)})
	_, rec = pipelineCall(t, e, keys["dave"], "POST", "/v1/pipeline/submissions", "application/json", body)
	if rec["status"] != pipeline.Failed || statuses(rec) != "received checked failed" ||
		!strings.Contains(rec["error"].(string), "could not assume arn:aws:iam::555555555555:role/central-account-role") ||
		!strings.Contains(rec["error"].(string), "AccessDenied") {
		t.Fatalf("dev without the role: %v", rec)
	}
	if _, err := e.iam(keys["dave"]).GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::555555555555:policy/PaymentsT2")}); !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("a policy was created without the role: %v", err)
	}
	devID := rec["id"].(string)

	// The test account's central-account-role trusts only its own account:
	// the pipeline's AssumeRole is denied by the trust policy, and nothing
	// is created.
	testBody, _ := json.Marshal(map[string]any{"policyName": devSub.PolicyName, "document": string(devSub.Document)})
	_, rec = pipelineCall(t, e, keys["tess"], "POST", "/v1/pipeline/submissions", "application/json", testBody)
	if rec["status"] != pipeline.Failed || !strings.Contains(rec["error"].(string), "could not assume arn:aws:iam::666666666666:role/central-account-role") ||
		!strings.Contains(rec["error"].(string), "AccessDenied") {
		t.Fatalf("test account without the trust: %v", rec)
	}
	if _, err := e.iam(keys["tess"]).GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String("arn:aws:iam::666666666666:policy/PaymentsT2")}); !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("a policy was created without the trust: %v", err)
	}

	// Teams act for their own accounts only.
	code, rec = pipelineCall(t, e, alice, "POST", "/v1/pipeline/submissions", "application/json", body)
	if code != 403 || rec["error"].(map[string]any)["code"] != "AccessDenied" {
		t.Fatalf("Alice submitting for dev: %d %v", code, rec)
	}
	if code, _ := pipelineCall(t, e, alice, "GET", "/v1/pipeline/submissions/"+devID, "", nil); code != 404 {
		t.Fatalf("Alice reading dev's submission: %d", code)
	}
	code, rec = pipelineCall(t, e, keys["dave"], "GET", "/v1/pipeline/submissions/"+devID, "", nil)
	if code != 200 || rec["id"] != devID {
		t.Fatalf("Dave reading his submission: %d %v", code, rec)
	}
	code, rec = pipelineCall(t, e, alice, "GET", "/v1/pipeline/submissions", "", nil)
	if code != 200 || len(rec["submissions"].([]any)) != 3 {
		t.Fatalf("Alice's submissions: %d %v", code, rec)
	}
	// The security account sees every account's.
	code, rec = pipelineCall(t, e, keys["secops"], "GET", "/v1/pipeline/submissions?account=555555555555", "", nil)
	if code != 200 || len(rec["submissions"].([]any)) != 1 {
		t.Fatalf("secops listing dev: %d %v", code, rec)
	}

	// Guardrails are versioned; only the security account puts them.
	text, _ := os.ReadFile(filepath.Join(pipelineExample, "guardrails.yaml"))
	if code, _ := pipelineCall(t, e, alice, "PUT", "/v1/pipeline/guardrails", "application/yaml", text); code != 403 {
		t.Fatalf("Alice putting guardrails: %d", code)
	}
	stricter := strings.Replace(string(text), "allowedServices: [ec2, s3,", "allowedServices: [s3,", 1)
	code, rec = pipelineCall(t, e, keys["secops"], "PUT", "/v1/pipeline/guardrails", "application/yaml", []byte(stricter))
	if code != 200 || rec["version"] != float64(2) {
		t.Fatalf("secops putting guardrails: %d %v", code, rec)
	}
	code, rec = pipelineCall(t, e, keys["secops"], "PUT", "/v1/pipeline/guardrails", "application/yaml", []byte("securityAccount: 1\n"))
	if code != 400 || !strings.Contains(rec["error"].(map[string]any)["message"].(string), "guardrails.yaml:1") {
		t.Fatalf("bad guardrails: %d %v", code, rec)
	}
	zip2, _ := (&pipeline.Submission{Metadata: pipeline.Metadata{PolicyName: "Ec2RunTeamA2"}, Document: readSubmission(t, "ec2-run-team-a").Document}).Zip()
	_, rec = pipelineCall(t, e, alice, "POST", "/v1/pipeline/submissions", "application/zip", zip2)
	if rec["status"] != pipeline.Rejected || rec["result"].(map[string]any)["guardrailsVersion"] != float64(2) {
		t.Fatalf("under the stricter guardrails: %v", rec)
	}
}

// The flow with the real clients: curl --aws-sigv4 submits the seed's
// policy.zip to the HTTP API, and the aws CLI reads the created policy
// with get-policy-version (testdata/e2e/cli-pipeline.sh).
func TestPipelineWithCLI(t *testing.T) {
	for _, tool := range []string{"aws", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			needClients(t, "%s is not installed", tool)
		}
	}
	e, keys := pipelineEnv(t, false)
	script, _ := filepath.Abs("testdata/e2e/cli-pipeline.sh")
	examples, _ := filepath.Abs(pipelineExample)
	dir := t.TempDir()
	cmd := exec.Command("bash", script)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "IAMGATE_URL="+e.ts.URL, "EXAMPLE="+examples,
		"AWS_ACCESS_KEY_ID="+keys["alice"].AccessKeyID, "AWS_SECRET_ACCESS_KEY="+keys["alice"].SecretAccessKey,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "no-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("%v\n%s", err, out)
	}
}

// signRequest signs a request for the pipeline API with aws-sdk-go-v2's
// SigV4 signer.
func signRequest(t testing.TB, r *http.Request, body []byte, c aws.Credentials) {
	t.Helper()
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), "iam", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}
