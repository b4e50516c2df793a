package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamgate/iamgate/server"
)

var aaEncodedRe = regexp.MustCompile(`Encoded authorization failure message: [^"]*`)

// TestAccessAnalyzerAnswersGolden records the bytes of a series of Access
// Analyzer answers (REST-JSON, botocore accessanalyzer/2019-11-01):
// status, Content-Type, x-amzn-ErrorType and the body as written, not
// re-indented, so that moving the wire layer (api/restjson) and the
// handlers (api/accessanalyzer) shows any change in what is written
// (issue 17: the typed handlers write what the untyped ones wrote).
// Regenerate with go test ./server -run TestAccessAnalyzerAnswersGolden -update.
func TestAccessAnalyzerAnswersGolden(t *testing.T) {
	e := newEnv(t)
	var out bytes.Buffer
	call := func(name, method, path, body string, c *aws.Credentials) {
		t.Helper()
		r, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		r.Header.Set("Content-Type", "application/json")
		if c != nil {
			sum := sha256.Sum256([]byte(body))
			if err := v4.NewSigner().SignHTTP(context.Background(), *c, r, hex.EncodeToString(sum[:]), "access-analyzer", "us-east-1", time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		b = aaEncodedRe.ReplaceAll(b, []byte("Encoded authorization failure message: ENCODED"))
		fmt.Fprintf(&out, "## %s: %d %s %q\n%s\n", name, res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("x-amzn-ErrorType"), b)
	}
	admin := &e.admin
	keys := aaUsers(t, e, map[string]string{"nobody": ""})
	nobody := keys["nobody"]
	pol := allow("s3:GetObject")
	dotted := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*",
"Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"a","cognito-identity.amazonaws.com:aud":"bb"}}}}`
	several := `{"Statement":[{"Sid":"","Effect":"Allow","Action":["iam:PassRole","s3:GetObjects"],"Resource":"*"}]}`
	notJSON := "{\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\"\n"
	public := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`

	call("ValidatePolicy findings", "POST", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": dotted, "policyType": "IDENTITY_POLICY"}), admin)
	call("ValidatePolicy trust policy", "POST", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": readTestdata(t, "cognito-trust.json"),
		"policyType": "RESOURCE_POLICY", "validatePolicyResourceType": "AWS::IAM::AssumeRolePolicyDocument", "locale": "EN"}), admin)
	call("ValidatePolicy page 1", "POST", "/policy/validation?maxResults=1", aaJSON(t, map[string]string{"policyDocument": several, "policyType": "IDENTITY_POLICY"}), admin)
	call("ValidatePolicy not JSON", "POST", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": notJSON, "policyType": "SERVICE_CONTROL_POLICY"}), admin)
	call("ValidatePolicy no findings", "POST", "/policy/validation", aaJSON(t, map[string]string{"policyDocument": pol, "policyType": "IDENTITY_POLICY"}), admin)
	call("CheckNoNewAccess", "POST", "/policy/check-no-new-access", aaJSON(t, map[string]string{"newPolicyDocument": allow("s3:GetObject", "s3:PutObject"),
		"existingPolicyDocument": pol, "policyType": "IDENTITY_POLICY"}), admin)
	call("CheckAccessNotGranted", "POST", "/policy/check-access-not-granted", aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "IDENTITY_POLICY",
		"access": []any{map[string]any{"actions": []string{"s3:GetObject"}, "resources": []string{"arn:aws:s3:::b/k"}}}}), admin)
	call("CheckNoPublicAccess", "POST", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": public, "resourceType": "AWS::S3::Bucket"}), admin)
	call("CheckNoPublicAccess broken policy", "POST", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": `{"Statement":[{"Effect":"Maybe"}]}`, "resourceType": "AWS::S3::Bucket"}), admin)
	call("fields", "POST", "/policy/validation", `{"locale":"en"}`, admin)
	call("access list", "POST", "/policy/check-access-not-granted", aaJSON(t, map[string]any{"policyDocument": pol, "policyType": "RESOURCE_CONTROL_POLICY",
		"access": []any{map[string]any{"resources": []string{strings.Repeat("r", 2049)}}, map[string]any{}}}), admin)
	call("a type", "POST", "/policy/check-access-not-granted", `{"policyDocument":"{}","policyType":"IDENTITY_POLICY","access":{}}`, admin)
	call("a member twice", "POST", "/policy/check-no-new-access", `{"policyType":"IDENTITY_POLICY","policyType":"IDENTITY_POLICY"}`, admin)
	call("maxResults", "POST", "/policy/validation?maxResults=1&maxResults=2", `{}`, admin)
	call("unknown operation", "POST", "/policy/check-everything", `{}`, admin)
	call("GET", "GET", "/policy/validation", ``, admin)
	call("denied", "POST", "/policy/check-no-public-access", `{}`, &nobody)
	call("unsigned", "POST", "/policy/validation", `{}`, nil)
	restore := server.StubPolicyChecks("FAIL", "")
	call("FAIL with reasons", "POST", "/policy/check-no-new-access", aaJSON(t, map[string]string{"newPolicyDocument": pol, "existingPolicyDocument": pol, "policyType": "RESOURCE_POLICY"}), admin)
	restore()
	restore = server.StubPolicyChecks("UNKNOWN", "a condition")
	call("UNKNOWN", "POST", "/policy/check-no-public-access", aaJSON(t, map[string]string{"policyDocument": pol, "resourceType": "AWS::SQS::Queue"}), admin)
	restore()
	golden(t, "aa-answers.golden", out.Bytes())
}
