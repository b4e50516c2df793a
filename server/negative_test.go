package server_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	apiiam "github.com/iamgate/iamgate/api/iam"
	apists "github.com/iamgate/iamgate/api/sts"
)

// signed builds a form request signed by aws-sdk-go-v2's signer, for sts
// in us-east-1 when the body is an STS call, else for iam in us-east-1.
func signed(t testing.TB, target, body string, c aws.Credentials, at time.Time) *http.Request {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", c.SessionToken)
	}
	service := "iam"
	if form, err := url.ParseQuery(body); err == nil && form.Get("Version") == "2011-06-15" {
		service = "sts"
	}
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hex.EncodeToString(sum[:]), service, "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return r
}

type errorResponse struct {
	Error struct {
		Type, Code, Message string
	}
	RequestID string `xml:"RequestId"`
}

// do sends a request and returns the status and the AWS error code ("" on
// success).
func do(t testing.TB, r *http.Request) (int, errorResponse) {
	t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var er errorResponse
	if res.StatusCode != 200 {
		if err := xml.Unmarshal(body, &er); err != nil {
			t.Fatalf("status %d with a body that is not an ErrorResponse: %s", res.StatusCode, body)
		}
		if er.RequestID == "" || er.Error.Type != "Sender" {
			t.Fatalf("error response without RequestId or Type Sender: %s", body)
		}
	}
	return res.StatusCode, er
}

const listUsers = "Action=ListUsers&Version=2010-05-08"

// The negative suite: each bad request gets AWS's error code and status
// (the IAM API Reference, "Common Errors"; the STS API Reference, "Common
// Errors"), never a 5xx.
func TestNegative(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := time.Now()
	admin := e.admin
	role := "arn:aws:iam::123456789012:role/r1"
	must[*iam.CreateRoleOutput](t)(e.iam(admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	out := must[*sts.AssumeRoleOutput](t)(e.sts(admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("neg")}))
	sess := session(out.Credentials)
	other := must[*sts.AssumeRoleOutput](t)(e.sts(admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("other")}))

	tampered := sess
	tb := []byte(tampered.SessionToken)
	tb[len(tb)/2] ^= 1
	if tb[len(tb)/2] == '=' || tb[len(tb)/2] == '+' {
		tb[len(tb)/2] = 'A'
	}
	tampered.SessionToken = string(tb)
	mixed := sess
	mixed.SessionToken = *other.Credentials.SessionToken
	wrongSecret := admin
	flip := map[bool]string{true: "y", false: "x"}[admin.SecretAccessKey[0] == 'x']
	wrongSecret.SecretAccessKey = flip + admin.SecretAccessKey[1:]
	unknown := aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

	unsigned, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(listUsers))
	unsigned.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	badAuth := signed(t, e.ts.URL, listUsers, admin, now)
	badAuth.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIA/x")
	put := signed(t, e.ts.URL, listUsers, admin, now)
	put.Method = http.MethodPut
	signedFor := func(service, region, payload string, header ...string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, e.ts.URL, strings.NewReader(listUsers))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
		for i := 0; i+1 < len(header); i += 2 {
			r.Header.Set(header[i], header[i+1])
		}
		if err := v4.NewSigner().SignHTTP(context.Background(), admin, r, payload, service, region, now); err != nil {
			t.Fatal(err)
		}
		return r
	}
	listUsersHash := func() string { s := sha256.Sum256([]byte(listUsers)); return hex.EncodeToString(s[:]) }()
	editAuth := func(r *http.Request, old, new string) *http.Request {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
		return r
	}
	unsignedSHA := signed(t, e.ts.URL, listUsers, admin, now)
	unsignedSHA.Header.Set("X-Amz-Content-Sha256", strings.Repeat("0", 64))

	cases := []struct {
		name   string
		req    *http.Request
		code   string
		status int
	}{
		{"unsigned", unsigned, "MissingAuthenticationToken", 403},
		{"incomplete authorization", badAuth, "IncompleteSignature", 400},
		{"wrong secret", signed(t, e.ts.URL, listUsers, wrongSecret, now), "SignatureDoesNotMatch", 403},
		{"unknown key", signed(t, e.ts.URL, listUsers, unknown, now), "InvalidClientTokenId", 403},
		// A skewed header signature is SignatureDoesNotMatch "Signature
		// expired: ... is now earlier than ... (... - 15 min.)", as STS
		// answers the aws CLI (github.com/EngineerBetter/control-tower#51).
		{"signed 20 minutes ago", signed(t, e.ts.URL, listUsers, admin, now.Add(-20*time.Minute)), "SignatureDoesNotMatch", 403},
		{"signed 20 minutes ahead", signed(t, e.ts.URL, listUsers, admin, now.Add(20*time.Minute)), "SignatureDoesNotMatch", 403},
		{"tampered session token", signed(t, e.ts.URL, listUsers, tampered, now), "InvalidClientTokenId", 403},
		{"another session's token", signed(t, e.ts.URL, listUsers, mixed, now), "InvalidClientTokenId", 403},
		{"temporary key without its token", signed(t, e.ts.URL, listUsers, aws.Credentials{AccessKeyID: sess.AccessKeyID, SecretAccessKey: sess.SecretAccessKey}, now), "InvalidClientTokenId", 403},
		{"malformed body", signed(t, e.ts.URL, "Action=ListUsers&Version=2010-05-08&x=%zz", admin, now), "MalformedQueryString", 404},
		{"oversized body", signed(t, e.ts.URL, listUsers+"&Pad="+strings.Repeat("a", 300<<10), admin, now), "RequestEntityTooLarge", 413},
		// The signature covers the body and the endpoint's scope (the IAM
		// User Guide, "Troubleshoot Signature Version 4 signing for AWS API
		// requests"; "Create a signed AWS API request").
		{"signed for s3", signedFor("s3", "us-east-1", listUsersHash), "SignatureDoesNotMatch", 403},
		{"signed for mars-1", signedFor("iam", "mars-1", listUsersHash), "SignatureDoesNotMatch", 403},
		{"IAM signed for eu-west-1", signedFor("iam", "eu-west-1", listUsersHash), "SignatureDoesNotMatch", 403},
		{"UNSIGNED-PAYLOAD", signedFor("iam", "us-east-1", "UNSIGNED-PAYLOAD", "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"), "SignatureDoesNotMatch", 403},
		{"unsigned content-sha256, wrong value", unsignedSHA, "SignatureDoesNotMatch", 403},
		{"Credential twice", editAuth(signed(t, e.ts.URL, listUsers, admin, now), "Credential=", "Credential=x, Credential="), "IncompleteSignature", 400},
		{"x-amz-date not signed", editAuth(signed(t, e.ts.URL, listUsers, admin, now), ";x-amz-date", ""), "IncompleteSignature", 400},
		{"unknown action", signed(t, e.ts.URL, "Action=ListUnicorns&Version=2010-05-08", admin, now), "InvalidAction", 400},
		{"missing action", signed(t, e.ts.URL, "Version=2010-05-08", admin, now), "MissingAction", 400},
		{"unsupported method", put, "InvalidAction", 400},
		{"bad MaxItems", signed(t, e.ts.URL, listUsers+"&MaxItems=0", admin, now), "ValidationError", 400},
		{"bad user name", signed(t, e.ts.URL, "Action=CreateUser&Version=2010-05-08&UserName=a%2Fb", admin, now), "ValidationError", 400},
		{"no such user", signed(t, e.ts.URL, "Action=GetUser&Version=2010-05-08&UserName=nobody", admin, now), "NoSuchEntity", 404},
		{"malformed policy", signed(t, e.ts.URL, "Action=PutRolePolicy&Version=2010-05-08&RoleName=r1&PolicyName=p&PolicyDocument=%7B", admin, now), "MalformedPolicyDocument", 400},
		{"policy with a principal", signed(t, e.ts.URL, "Action=CreatePolicy&Version=2010-05-08&PolicyName=p&PolicyDocument="+
			url.QueryEscape(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`), admin, now), "MalformedPolicyDocument", 400},
		{"duration too short", signed(t, e.ts.URL, "Action=AssumeRole&Version=2011-06-15&RoleArn="+url.QueryEscape(role)+"&RoleSessionName=ok&DurationSeconds=899", admin, now), "ValidationError", 400},
		{"duration over the role's maximum", signed(t, e.ts.URL, "Action=AssumeRole&Version=2011-06-15&RoleArn="+url.QueryEscape(role)+"&RoleSessionName=ok&DurationSeconds=7200", admin, now), "ValidationError", 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, er := do(t, tc.req)
			if status != tc.status || er.Error.Code != tc.code {
				t.Fatalf("got %d %s (%s), want %d %s", status, er.Error.Code, er.Error.Message, tc.status, tc.code)
			}
		})
	}

	// Expiry: an hour and a minute later the session token is expired.
	e.offset.Store(int64(61 * time.Minute))
	status, er := do(t, signed(t, e.ts.URL, listUsers, sess, now.Add(61*time.Minute)))
	if status != 403 || er.Error.Code != "ExpiredToken" {
		t.Fatalf("expired session: %d %s", status, er.Error.Code)
	}
	e.offset.Store(0)

	// A deactivated, then deleted, key stops working.
	k := e.newUser("bob", "")
	keys := e.iam(admin)
	must[*iam.UpdateAccessKeyOutput](t)(keys.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(k.AccessKeyID), Status: "Inactive"}))
	// The verification cache holds a key for a few seconds at most; this
	// server wrote the change itself, so it is seen at once.
	_, err := e.sts(k).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
	must[*iam.DeleteAccessKeyOutput](t)(keys.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: aws.String("bob"), AccessKeyId: aws.String(k.AccessKeyID)}))
	_, err = e.sts(k).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	wantError(t, err, "InvalidClientTokenId", 403)
}

// Presigned requests (X-Amz-Algorithm in the query) are accepted until they
// expire; then they are RequestExpired, 400 (the IAM API Reference, "Common
// Errors").
func TestPresigned(t *testing.T) {
	e := newEnv(t)
	presign := func(at time.Time, expires string) *http.Request {
		u := e.ts.URL + "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=" + expires
		r, _ := http.NewRequest(http.MethodGet, u, nil)
		signedURL, _, err := v4.NewSigner().PresignHTTP(context.Background(), e.admin, r, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sts", "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
		r, _ = http.NewRequest(http.MethodGet, signedURL, nil)
		return r
	}
	if status, er := do(t, presign(time.Now(), "60")); status != 200 {
		t.Fatalf("presigned: %d %s", status, er.Error.Message)
	}
	if status, er := do(t, presign(time.Now().Add(-2*time.Minute), "60")); status != 400 || er.Error.Code != "RequestExpired" {
		t.Fatalf("expired presigned: %d %s", status, er.Error.Code)
	}
}

// Every operation the server registers is in the botocore service model.
func TestOperationsAreInTheModel(t *testing.T) {
	for _, tc := range []struct {
		model string
		ops   []string
	}{
		{"iam/2010-05-08", keysOf(apiiam.Operations)},
		{"sts/2011-06-15", keysOf(apists.Operations)},
	} {
		names := botocoreOperations(t, tc.model)
		for _, op := range tc.ops {
			if !names[op] {
				t.Errorf("%s: %s is not an operation of the model", tc.model, op)
			}
		}
	}
}

func keysOf[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
