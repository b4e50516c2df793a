package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/sqlite"
)

func sha256Hex(b string) string { s := sha256.Sum256([]byte(b)); return hex.EncodeToString(s[:]) }

// call is a request to one of the server's services, as a client sends it.
type call struct {
	method, path string
	header       map[string]string
	body         string
}

// signAs signs c for service and region with aws-sdk-go-v2's signer over
// the hash of body (which need not be the body c sends).
func signAs(t testing.TB, base string, c call, creds aws.Credentials, service, region, body string) *http.Request {
	t.Helper()
	r, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	if creds.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", creds.SessionToken)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, r, sha256Hex(body), service, region, time.Now()); err != nil {
		t.Fatal(err)
	}
	return r
}

// send sends r and returns the status and the AWS error (code, message)
// of any of the server's three error formats: Query XML, the JSON
// protocol's {"__type", "Message"}, the decision and pipeline APIs'
// {"error": {"code", "message"}}.
func send(t testing.TB, r *http.Request) (int, string, string) {
	t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode == 200 {
		return 200, "", ""
	}
	var x errorResponse
	if xml.Unmarshal(body, &x) == nil && x.Error.Code != "" {
		return res.StatusCode, x.Error.Code, x.Error.Message
	}
	var j struct {
		Type    string `json:"__type"`
		Message string
		Error   *struct{ Code, Message string } `json:"error"`
	}
	if err := json.Unmarshal(body, &j); err != nil {
		t.Fatalf("%d: not an AWS error: %s", res.StatusCode, body)
	}
	if j.Error != nil {
		return res.StatusCode, j.Error.Code, j.Error.Message
	}
	return res.StatusCode, j.Type, j.Message
}

var (
	queryForm = map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
	orgJSON   = func(op string) map[string]string {
		return map[string]string{"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "AWSOrganizationsV20161128." + op}
	}
	jsonBody = map[string]string{"Content-Type": "application/json"}
	yaml     = map[string]string{"Content-Type": "application/yaml"}
)

// authCodes are the errors of authentication.
var authCodes = map[string]bool{"SignatureDoesNotMatch": true, "IncompleteSignature": true, "InvalidClientTokenId": true, "MissingAuthenticationToken": true}

// sameLength pads the shorter body, harmlessly for its content type ('&'
// in a form, spaces elsewhere).
func sameLength(a, b, contentType string) (string, string) {
	pad := " "
	if strings.HasPrefix(contentType, "application/x-www-form-urlencoded") {
		pad = "&"
	}
	for len(a) < len(b) {
		a += pad
	}
	for len(b) < len(a) {
		b += pad
	}
	return a, b
}

// The signature covers the body received, for every service served. The
// issue's reproduction: a request signed for one body is replayed with
// another and an X-Amz-Content-Sha256 header holding the first body's hash.
// AWS services other than S3 hash the body themselves (the IAM User Guide,
// "Create a signed AWS API request": HashedPayload is the hex SHA-256 of
// the request body), so the signature does not match: SignatureDoesNotMatch,
// 403 (the IAM User Guide, "Troubleshoot Signature Version 4 signing for AWS
// API requests"; S3's XAmzContentSHA256Mismatch is S3's alone).
func TestSigV4SignatureCoversTheBody(t *testing.T) {
	e := newEnv(t)
	pe, keys := pipelineEnv(t, false)
	ctx := context.Background()
	getCallerIdentity := "Action=GetCallerIdentity&Version=2011-06-15"
	createUser := "Action=CreateUser&Version=2010-05-08&UserName=x"
	for _, tc := range []struct {
		name            string
		env             *env
		creds           aws.Credentials
		service, region string
		signed, sent    call
	}{
		{"sts to iam", e, e.admin, "sts", "us-east-1", call{"POST", "/", queryForm, getCallerIdentity}, call{"POST", "/", queryForm, createUser}},
		{"iam", e, e.admin, "iam", "us-east-1", call{"POST", "/", queryForm, "Action=ListUsers&Version=2010-05-08"}, call{"POST", "/", queryForm, createUser}},
		{"sts", e, e.admin, "sts", "eu-west-1", call{"POST", "/", queryForm, getCallerIdentity},
			call{"POST", "/", queryForm, "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx&RoleSessionName=x"}},
		{"organizations", e, e.admin, "organizations", "us-east-1", call{"POST", "/", orgJSON("CreateOrganization"), `{"FeatureSet":"ALL"}`},
			call{"POST", "/", orgJSON("CreateOrganization"), `{"FeatureSet":"CONSOLIDATED_BILLING"}`}},
		{"decision API", e, e.admin, "iam", "us-east-1", call{"POST", server.DecisionPath, jsonBody, `{"principal":"arn:aws:iam::123456789012:user/admin","action":"s3:GetObject","resource":"*"}`},
			call{"POST", server.DecisionPath, jsonBody, `{"principal":"arn:aws:iam::123456789012:user/admin","action":"iam:CreateUser","resource":"*"}`}},
		{"pipeline API", pe, keys["secops"], "iam", "us-east-1", call{"PUT", server.PipelinePath + "guardrails", yaml, "version: 1\n# reviewed\n"},
			call{"PUT", server.PipelinePath + "guardrails", yaml, "version: 2\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The JSON protocol answers its own code for a signature that
			// does not match (jsonAuthError, awserr.AWSJSONCommon):
			// InvalidSignatureException with 400, as real JSON endpoints do
			// (ECS, teralytics/prometheus-ecs-discovery#7; DynamoDB,
			// aws/aws-sdk-js#284).
			wantStatus, wantCode := 403, "SignatureDoesNotMatch"
			if tc.service == "organizations" {
				wantStatus, wantCode = 400, "InvalidSignatureException"
			}
			// aws-sdk-go-v2 signs Content-Length (botocore does not): the
			// bodies are made the same length, as an attacker would.
			tc.signed.body, tc.sent.body = sameLength(tc.signed.body, tc.sent.body, tc.signed.header["Content-Type"])
			// The attacker keeps the signature and sends another body, with
			// the signed body's hash in an unsigned header, then in a
			// signed one.
			orig := signAs(t, tc.env.ts.URL, tc.signed, tc.creds, tc.service, tc.region, tc.signed.body)
			r, _ := http.NewRequest(tc.sent.method, tc.env.ts.URL+tc.sent.path, strings.NewReader(tc.sent.body))
			r.Header = orig.Header.Clone()
			r.Header.Set("X-Amz-Content-Sha256", sha256Hex(tc.signed.body))
			if status, code, msg := send(t, r); status != wantStatus || code != wantCode {
				t.Fatalf("swapped body: %d %s %s", status, code, msg)
			}
			withHeader := tc.signed
			withHeader.header = map[string]string{"X-Amz-Content-Sha256": sha256Hex(tc.signed.body)}
			for k, v := range tc.signed.header {
				withHeader.header[k] = v
			}
			orig = signAs(t, tc.env.ts.URL, withHeader, tc.creds, tc.service, tc.region, tc.signed.body)
			r, _ = http.NewRequest(tc.signed.method, tc.env.ts.URL+tc.signed.path, strings.NewReader(tc.sent.body))
			r.Header = orig.Header.Clone()
			if status, code, msg := send(t, r); status != wantStatus || code != wantCode {
				t.Fatalf("swapped body, content-sha256 signed: %d %s %s", status, code, msg)
			}
			// UNSIGNED-PAYLOAD, signed as S3 clients do, is refused too.
			unsigned := tc.sent
			unsigned.header = map[string]string{"X-Amz-Content-Sha256": "UNSIGNED-PAYLOAD"}
			for k, v := range tc.sent.header {
				unsigned.header[k] = v
			}
			r = signAs(t, tc.env.ts.URL, unsigned, tc.creds, tc.service, tc.region, "")
			if err := v4.NewSigner().SignHTTP(ctx, tc.creds, r, "UNSIGNED-PAYLOAD", tc.service, tc.region, time.Now()); err != nil {
				t.Fatal(err)
			}
			if status, code, msg := send(t, r); status != wantStatus || code != wantCode {
				t.Fatalf("UNSIGNED-PAYLOAD: %d %s %s", status, code, msg)
			}
			// The honest request still passes authentication.
			if status, code, msg := send(t, signAs(t, tc.env.ts.URL, tc.signed, tc.creds, tc.service, tc.region, tc.signed.body)); authCodes[code] {
				t.Fatalf("honest request: %d %s %s", status, code, msg)
			}
		})
	}
	_, err := e.iam(e.admin).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("x")})
	wantError(t, err, "NoSuchEntity", 404)
}

// The reproduction verbatim: botocore's SigV4Auth signs
// GetCallerIdentity for sts; the CreateUser body is sent with those headers
// and an x-amz-content-sha256 of the original body.
func TestSigV4BotocoreBodySwap(t *testing.T) {
	if err := exec.Command("python3", "-c", "import botocore").Run(); err != nil {
		needClients(t, "botocore is not installed: %v", err)
	}
	e := newEnv(t)
	script := `
import json, sys
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
url, key, secret = sys.argv[1:4]
req = AWSRequest(method="POST", url=url, data="Action=GetCallerIdentity&Version=2011-06-15",
                 headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
SigV4Auth(Credentials(key, secret), "sts", "us-east-1").add_auth(req)
print(json.dumps(dict(req.headers.items())))
`
	out, err := exec.Command("python3", "-c", script, e.ts.URL+"/", e.admin.AccessKeyID, e.admin.SecretAccessKey).Output()
	if err != nil {
		t.Fatal(err)
	}
	var headers map[string]string
	if err := json.Unmarshal(out, &headers); err != nil {
		t.Fatal(err)
	}
	send := func(body string, extra ...string) (int, string, string) {
		r, _ := http.NewRequest("POST", e.ts.URL+"/", strings.NewReader(body))
		for k, v := range headers {
			r.Header.Set(k, v)
		}
		for i := 0; i+1 < len(extra); i += 2 {
			r.Header.Set(extra[i], extra[i+1])
		}
		return send(t, r)
	}
	if status, code, msg := send("Action=GetCallerIdentity&Version=2011-06-15"); status != 200 {
		t.Fatalf("botocore's own request: %d %s %s", status, code, msg)
	}
	status, code, _ := send("Action=CreateUser&Version=2010-05-08&UserName=x", "X-Amz-Content-Sha256", sha256Hex("Action=GetCallerIdentity&Version=2011-06-15"))
	if status != 403 || code != "SignatureDoesNotMatch" {
		t.Fatalf("swapped body: %d %s", status, code)
	}
	_, err = e.iam(e.admin).GetUser(context.Background(), &iam.GetUserInput{UserName: aws.String("x")})
	wantError(t, err, "NoSuchEntity", 404)
}

// The credential scope is the endpoint's: IAM and Organizations sign for
// us-east-1 (botocore's data/endpoints.json: "partitionEndpoint":
// "aws-global", credentialScope us-east-1), STS for its regions, each for
// its own service name. AWS answers SignatureDoesNotMatch, 403, "Credential
// should be scoped to a valid region, not 'us-west-2'. " (IAM, quoted in
// github.com/aws/aws-sdk-go/issues/156 and
// github.com/JuliaCloud/AWS.jl/issues/565) and "Credential should be scoped
// to correct service: 'batch'. " (github.com/cllunsford/aws-signing-proxy/issues/25),
// as the IAM User Guide, "Troubleshoot Signature Version 4 signing for AWS
// API requests", lists under credential scope errors.
func TestSigV4CredentialScopeMatchesTheEndpoint(t *testing.T) {
	e := newEnv(t)
	pe, keys := pipelineEnv(t, false)
	listUsers := call{"POST", "/", queryForm, "Action=ListUsers&Version=2010-05-08"}
	whoami := call{"POST", "/", queryForm, "Action=GetCallerIdentity&Version=2011-06-15"}
	noVersion := call{"POST", "/", queryForm, "Action=GetCallerIdentity"}
	describeOrg := call{"POST", "/", orgJSON("DescribeOrganization"), "{}"}
	decide := call{"POST", server.DecisionPath, jsonBody, `{"principal":"arn:aws:iam::123456789012:user/admin","action":"s3:GetObject","resource":"*"}`}
	guardrails := call{"GET", server.PipelinePath + "guardrails", nil, ""}
	const (
		ok            = ""
		badRegion     = "Credential should be scoped to a valid region, not '%s'. "
		badService    = "Credential should be scoped to correct service: '%s'. "
		orgNotInUse   = "AWSOrganizationsNotInUseException"
		signatureCode = "SignatureDoesNotMatch"
	)
	for _, tc := range []struct {
		name            string
		env             *env
		c               call
		service, region string
		want            string // ok, or the message (with %s for the region or service)
		arg             string
	}{
		{"iam us-east-1", e, listUsers, "iam", "us-east-1", ok, ""},
		{"iam eu-west-1", e, listUsers, "iam", "eu-west-1", badRegion, "eu-west-1"},
		{"iam mars-1", e, listUsers, "iam", "mars-1", badRegion, "mars-1"},
		{"iam aws-global", e, listUsers, "iam", "aws-global", badRegion, "aws-global"},
		{"iam signed as s3", e, listUsers, "s3", "us-east-1", badService, "iam"},
		{"iam signed as sts", e, listUsers, "sts", "us-east-1", badService, "iam"},
		{"iam signed as IAM", e, listUsers, "IAM", "us-east-1", badService, "iam"},
		{"sts us-east-1", e, whoami, "sts", "us-east-1", ok, ""},
		{"sts eu-west-1", e, whoami, "sts", "eu-west-1", ok, ""},
		{"sts ap-southeast-7", e, whoami, "sts", "ap-southeast-7", ok, ""},
		{"sts mars-1", e, whoami, "sts", "mars-1", badRegion, "mars-1"},
		{"sts us-east-1-fips", e, whoami, "sts", "us-east-1-fips", badRegion, "us-east-1-fips"},
		{"sts signed as iam", e, whoami, "iam", "us-east-1", badService, "sts"},
		{"sts signed as s3", e, whoami, "s3", "us-east-1", badService, "sts"},
		// Without a Version, the scope names the service, and is checked.
		{"no Version, signed as sts", e, noVersion, "sts", "eu-west-1", ok, ""},
		{"no Version, signed as s3", e, noVersion, "s3", "us-east-1", badService, "iam"},
		{"no Version, sts mars-1", e, noVersion, "sts", "mars-1", badRegion, "mars-1"},
		{"organizations us-east-1", e, describeOrg, "organizations", "us-east-1", orgNotInUse, ""},
		{"organizations eu-west-1", e, describeOrg, "organizations", "eu-west-1", badRegion, "eu-west-1"},
		{"organizations signed as iam", e, describeOrg, "iam", "us-east-1", badService, "organizations"},
		// The decision and pipeline APIs sign as iam, in any region of the
		// aws partition (iamgate's own APIs; see server/regions.go).
		{"decision iam us-east-1", e, decide, "iam", "us-east-1", ok, ""},
		{"decision iam eu-west-1", e, decide, "iam", "eu-west-1", ok, ""},
		{"decision iam mars-1", e, decide, "iam", "mars-1", badRegion, "mars-1"},
		{"decision signed as s3", e, decide, "s3", "us-east-1", badService, "iam"},
		{"pipeline iam us-east-1", pe, guardrails, "iam", "us-east-1", ok, ""},
		{"pipeline iam mars-1", pe, guardrails, "iam", "mars-1", badRegion, "mars-1"},
		{"pipeline signed as execute-api", pe, guardrails, "execute-api", "us-east-1", badService, "iam"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			creds := e.admin
			if tc.env == pe {
				creds = keys["secops"]
			}
			status, code, msg := send(t, signAs(t, tc.env.ts.URL, tc.c, creds, tc.service, tc.region, tc.c.body))
			switch tc.want {
			case ok:
				if status != 200 {
					t.Fatalf("got %d %s %s", status, code, msg)
				}
			case orgNotInUse:
				if code != orgNotInUse {
					t.Fatalf("got %d %s %s", status, code, msg)
				}
			default:
				want := strings.Replace(tc.want, "%s", tc.arg, 1)
				// The JSON protocol's code and status for the same refusal
				// (jsonAuthError; the JuliaCloud/AWS.jl#334 and
				// disneystreaming/smithy4s#1568 outputs of a JSON service's
				// scope refusal are InvalidSignatureException).
				wantStatus, wantCode := 403, signatureCode
				if tc.c.header["X-Amz-Target"] != "" {
					wantStatus, wantCode = 400, "InvalidSignatureException"
				}
				if status != wantStatus || code != wantCode || msg != want {
					t.Fatalf("got %d %s %q, want %d %s %q", status, code, msg, wantStatus, wantCode, want)
				}
			}
		})
	}
}

// Presigned URLs for STS work as AWS defines them for services other than
// S3: the payload hash is the body's (empty for GET), and an
// X-Amz-Content-Sha256 query parameter must be that hash (the IAM User
// Guide, "Create a signed AWS API request", query string authentication).
func TestSigV4PresignedPayload(t *testing.T) {
	e := newEnv(t)
	presign := func(extra, payload, region string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, e.ts.URL+"/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60"+extra, nil)
		u, _, err := v4.NewSigner().PresignHTTP(context.Background(), e.admin, r, payload, "sts", region, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, _ = http.NewRequest(http.MethodGet, u, nil)
		return r
	}
	if status, code, msg := send(t, presign("", sha256Hex(""), "eu-west-1")); status != 200 {
		t.Fatalf("presigned: %d %s %s", status, code, msg)
	}
	if status, code, msg := send(t, presign("&X-Amz-Content-Sha256="+sha256Hex(""), sha256Hex(""), "us-east-1")); status != 200 {
		t.Fatalf("presigned with the empty body's hash: %d %s %s", status, code, msg)
	}
	for name, r := range map[string]*http.Request{
		"content-sha256 of another body": presign("&X-Amz-Content-Sha256="+sha256Hex("Action=CreateUser"), sha256Hex("Action=CreateUser"), "us-east-1"),
		"UNSIGNED-PAYLOAD":               presign("&X-Amz-Content-Sha256=UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD", "us-east-1"),
		"UNSIGNED-PAYLOAD, not in query": presign("", "UNSIGNED-PAYLOAD", "us-east-1"),
		"mars-1":                         presign("", sha256Hex(""), "mars-1"),
	} {
		if status, code, msg := send(t, r); status != 403 || code != "SignatureDoesNotMatch" {
			t.Errorf("%s: %d %s %s", name, status, code, msg)
		}
	}
}

// awsCLI runs the real aws CLI against e with creds; it returns the
// combined output and whether the command succeeded.
func awsCLI(t *testing.T, e *env, creds aws.Credentials, args ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		needClients(t, "the aws CLI is not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command("aws", append([]string{"--endpoint-url", e.ts.URL}, args...)...)
	cmd.Env = append(os.Environ(),
		"AWS_ACCESS_KEY_ID="+creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY="+creds.SecretAccessKey, "AWS_SESSION_TOKEN="+creds.SessionToken,
		"AWS_CONFIG_FILE="+filepath.Join(dir, "no-config"), "AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(dir, "no-credentials"),
		"AWS_EC2_METADATA_DISABLED=true", "AWS_MAX_ATTEMPTS=1", "AWS_PAGER=")
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return string(out), err == nil
}

// regionMember builds an organization whose member account is denied IAM
// outside eu-west-1 by an SCP (the Organizations User Guide, "Deny access to
// AWS based on the requested AWS Region"), and returns the member's
// administrator session.
func regionMember(t *testing.T, e *env, admin aws.Credentials) aws.Credentials {
	t.Helper()
	ctx := context.Background()
	oc := e.org(admin)
	must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	roots := must[*organizations.ListRootsOutput](t)(oc.ListRoots(ctx, &organizations.ListRootsInput{}))
	status := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("eu@example.com"), AccountName: aws.String("eu")}))
	member := *status.CreateAccountStatus.AccountId
	must[*organizations.EnablePolicyTypeOutput](t)(oc.EnablePolicyType(ctx, &organizations.EnablePolicyTypeInput{RootId: roots.Roots[0].Id, PolicyType: orgtypes.PolicyTypeServiceControlPolicy}))
	scp := `{"Version":"2012-10-17","Statement":[{"Sid":"IAMOnlyInIreland","Effect":"Deny","Action":"iam:*","Resource":"*",
 "Condition":{"StringNotEquals":{"aws:RequestedRegion":"eu-west-1"}}}]}`
	pol := must[*organizations.CreatePolicyOutput](t)(oc.CreatePolicy(ctx, &organizations.CreatePolicyInput{Name: aws.String("iam-in-ireland"),
		Type: orgtypes.PolicyTypeServiceControlPolicy, Content: aws.String(scp), Description: aws.String("IAM only in eu-west-1")}))
	must[*organizations.AttachPolicyOutput](t)(oc.AttachPolicy(ctx, &organizations.AttachPolicyInput{PolicyId: pol.Policy.PolicySummary.Id, TargetId: &member}))
	out := must[*sts.AssumeRoleOutput](t)(e.sts(admin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::" + member + ":role/OrganizationAccountAccessRole"), RoleSessionName: aws.String("eu")}))
	return session(out.Credentials)
}

// auditRegions returns the region of each audit entry of operation since.
func auditRegions(t *testing.T, e *env, operation string, since time.Time) []string {
	t.Helper()
	entries, err := audit.Query(context.Background(), e.st, audit.Filter{Since: since, Operation: operation})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		out = append(out, en.Region)
	}
	return out
}

// aws:RequestedRegion of a call to a global service is us-east-1, whatever
// region the client is configured for (the IAM User Guide, "AWS global
// condition context keys", aws:RequestedRegion: IAM is a global service
// whose endpoint is us-east-1); for STS it is the region signed. So an SCP
// that denies IAM outside eu-west-1 denies every IAM call, as on AWS, and
// the audit log says us-east-1. With signatures checked, the aws CLI's
// `--region eu-west-1 iam` (signed for eu-west-1 once --endpoint-url is
// given) is refused as AWS refuses IAM signed for another region; with
// --dev, which does not check signatures, the SCP denies it.
func TestRequestedRegionOfGlobalServiceIsUSEast1(t *testing.T) {
	for _, dev := range []bool{false, true} {
		name := map[bool]string{false: "signed", true: "dev"}[dev]
		t.Run(name, func(t *testing.T) {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamgate.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			e := startEnvWith(t, st, func(c *server.Config) { c.Dev = dev })
			admin := e.admin
			if dev {
				admin = aws.Credentials{AccessKeyID: "test", SecretAccessKey: "test"}
			}
			member := regionMember(t, e, admin)
			start := time.Now().Add(-time.Second)

			out, ok := awsCLI(t, e, member, "--region", "us-east-1", "iam", "list-users")
			if ok || !strings.Contains(out, "AccessDenied") || !strings.Contains(out, "with an explicit deny in a service control policy") {
				t.Fatalf("us-east-1: the SCP should deny: %s", out)
			}
			out, ok = awsCLI(t, e, member, "--region", "eu-west-1", "iam", "list-users")
			if dev {
				if ok || !strings.Contains(out, "with an explicit deny in a service control policy") {
					t.Fatalf("--dev, eu-west-1: the SCP should deny: %s", out)
				}
			} else if ok || !strings.Contains(out, "(SignatureDoesNotMatch)") || !strings.Contains(out, "Credential should be scoped to a valid region, not 'eu-west-1'.") {
				t.Fatalf("eu-west-1: IAM signed for eu-west-1 should be refused: %s", out)
			}
			// STS is regional: the region signed is the region of the call.
			if out, ok := awsCLI(t, e, member, "--region", "eu-west-1", "sts", "get-caller-identity"); !ok {
				t.Fatalf("sts in eu-west-1: %s", out)
			}
			for _, r := range auditRegions(t, e, "iam:ListUsers", start) {
				if r != "us-east-1" {
					t.Errorf("ListUsers audited in %s, want us-east-1", r)
				}
			}
			if got := auditRegions(t, e, "iam:ListUsers", start); len(got) != map[bool]int{false: 1, true: 2}[dev] {
				t.Errorf("ListUsers entries: %v", got)
			}
			if got := auditRegions(t, e, "sts:GetCallerIdentity", start); len(got) != 1 || got[0] != "eu-west-1" {
				t.Errorf("GetCallerIdentity audited in %v, want eu-west-1", got)
			}
		})
	}
}
