package sigv4_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/iamgate/iamgate/api/sigv4"
)

var creds = aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}

func lookup(akid string) (sigv4.Credentials, error) {
	if akid != creds.AccessKeyID {
		return sigv4.Credentials{}, sigv4.ErrUnknownKey
	}
	return sigv4.Credentials{Secret: creds.SecretAccessKey, Value: "alice"}, nil
}

func hash(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// The endpoints of the tests: IAM signs for us-east-1 only, STS for its
// regions (botocore's data/endpoints.json).
var (
	iamScope = sigv4.Scope{Service: "iam", Region: func(r string) bool { return r == "us-east-1" }}
	stsScope = sigv4.Scope{Service: "sts", Region: func(r string) bool { return r == "us-east-1" || r == "eu-west-1" }}
)

// signedAs builds a Query request signed by aws-sdk-go-v2's signer for
// service and region over payload (the body's hash unless the test lies);
// headers are set before signing, so they are signed.
func signedAs(t *testing.T, body, payload, service, region string, at time.Time, c aws.Credentials, headers ...string) *http.Request {
	t.Helper()
	r, _ := http.NewRequest("POST", "http://127.0.0.1:9000/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", c.SessionToken)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, payload, service, region, at); err != nil {
		t.Fatal(err)
	}
	return r
}

// signed builds an IAM Query request signed by aws-sdk-go-v2's signer.
func signed(t *testing.T, body string, at time.Time, c aws.Credentials) *http.Request {
	t.Helper()
	return signedAs(t, body, hash([]byte(body)), "iam", "us-east-1", at, c)
}

func verify(r *http.Request, body string, now time.Time) (*sigv4.Result, error) {
	return sigv4.Verify(r, []byte(body), now, iamScope, lookup)
}

func TestVerifyHeader(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	body := "Action=CreateUser&UserName=bob%2Bx&Version=2010-05-08"
	res, err := verify(signed(t, body, now, creds), body, now)
	if err != nil {
		t.Fatal(err)
	}
	if res.AccessKeyID != creds.AccessKeyID || res.Region != "us-east-1" || res.Service != "iam" || res.Credentials.Value != "alice" || res.Presigned {
		t.Fatalf("%+v", res)
	}
	tok := creds
	tok.SessionToken = "FwoGZXIvYXdzEXAMPLETOKEN"
	res, err = verify(signed(t, body, now, tok), body, now)
	if err != nil || res.SessionToken != tok.SessionToken {
		t.Fatalf("session token: %+v %v", res, err)
	}
	// A signed X-Amz-Content-Sha256 that is the body's hash is accepted
	// (the IAM User Guide, "Create a signed AWS API request": HashedPayload
	// is the hex SHA-256 of the body).
	r := signedAs(t, body, hash([]byte(body)), "iam", "us-east-1", now, creds, "X-Amz-Content-Sha256", hash([]byte(body)))
	if _, err := verify(r, body, now); err != nil {
		t.Fatalf("content-sha256 of the body: %v", err)
	}
}

func presign(t *testing.T, method, rawURL, payload, service, region string, at time.Time) string {
	t.Helper()
	r, _ := http.NewRequest(method, rawURL, nil)
	q := r.URL.Query()
	q.Set("X-Amz-Expires", "900")
	r.URL.RawQuery = q.Encode()
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, payload, service, region, at)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Presigned requests for services other than S3 sign the hash of the body,
// usually empty (the IAM User Guide, "Create a signed AWS API request",
// query string authentication).
func TestVerifyPresigned(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	verifySTS := func(r *http.Request, body string, at time.Time) (*sigv4.Result, error) {
		return sigv4.Verify(r, []byte(body), at, stsScope, lookup)
	}
	u := presign(t, "GET", "http://127.0.0.1:9000/?Action=GetCallerIdentity&Version=2011-06-15", hash(nil), "sts", "us-east-1", now)
	pr, _ := http.NewRequest("GET", u, nil)
	if _, err := verifySTS(pr, "", now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := verifySTS(pr, "", now.Add(16*time.Minute)); !errors.Is(err, sigv4.ErrPresignExpired) {
		t.Fatalf("expired presign: %v", err)
	}
	tampered, _ := url.Parse(u)
	tq := tampered.Query()
	tq.Set("Action", "DeleteUser")
	tampered.RawQuery = tq.Encode()
	tr, _ := http.NewRequest("GET", tampered.String(), nil)
	if _, err := verifySTS(tr, "", now); !errors.Is(err, sigv4.ErrSignature) {
		t.Fatalf("tampered presign: %v", err)
	}
	// A presigned POST signs its body's hash.
	body := "Action=GetCallerIdentity&Version=2011-06-15"
	u = presign(t, "POST", "http://127.0.0.1:9000/", hash([]byte(body)), "sts", "eu-west-1", now)
	pr, _ = http.NewRequest("POST", u, strings.NewReader(body))
	if _, err := verifySTS(pr, body, now); err != nil {
		t.Fatalf("presigned POST: %v", err)
	}
	if _, err := verifySTS(pr, body+"&x=1", now); !errors.Is(err, sigv4.ErrSignature) {
		t.Fatalf("presigned POST, body changed: %v", err)
	}
}

// The negative suite: each request an attacker (or a broken client) could
// send, with the error Verify gives (mapped to AWS's code at the API edge,
// server.authError). Sources: the IAM User Guide, "Troubleshoot Signature
// Version 4 signing for AWS API requests" (scope, date and canonicalization
// errors) and "Create a signed AWS API request" (what is signed: host, the
// x-amz-* headers, the hex SHA-256 of the body); AWS's own answers quoted in
// github.com/aws/aws-sdk-go/issues/156 (IAM signed for us-west-2) and
// github.com/cllunsford/aws-signing-proxy/issues/25 (wrong service).
func TestVerifyRejects(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	body := "Action=ListUsers&Version=2010-05-08"
	evil := "Action=CreateUser&Version=2010-05-08&UserName=x"
	wrong := creds
	wrong.SecretAccessKey = "not-the-secret"
	unknown := creds
	unknown.AccessKeyID = "AKIAUNKNOWNKEY000000"
	sign := func(payload, service, region string, headers ...string) *http.Request {
		return signedAs(t, body, payload, service, region, now, creds, headers...)
	}
	editAuth := func(r *http.Request, edit func(string) string) *http.Request {
		r.Header.Set("Authorization", edit(r.Header.Get("Authorization")))
		return r
	}
	cases := []struct {
		name  string
		req   func() (*http.Request, string)
		now   time.Time
		scope sigv4.Scope
		want  error
	}{
		// Today's suite.
		{"wrong secret", func() (*http.Request, string) { return signed(t, body, now, wrong), body }, now, iamScope, sigv4.ErrSignature},
		{"unknown key", func() (*http.Request, string) { return signed(t, body, now, unknown), body }, now, iamScope, sigv4.ErrUnknownKey},
		{"tampered body", func() (*http.Request, string) { return signed(t, body, now, creds), body + "&UserName=x" }, now, iamScope, sigv4.ErrSignature},
		{"16 minutes late", func() (*http.Request, string) { return signed(t, body, now, creds), body }, now.Add(16 * time.Minute), iamScope, sigv4.ErrExpired},
		{"16 minutes early", func() (*http.Request, string) { return signed(t, body, now, creds), body }, now.Add(-16 * time.Minute), iamScope, sigv4.ErrExpired},
		{"unsigned", func() (*http.Request, string) {
			r, _ := http.NewRequest("POST", "http://127.0.0.1:9000/", strings.NewReader(body))
			return r, body
		}, now, iamScope, sigv4.ErrMissing},
		{"other algorithm", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(string) string { return "AWS AKIAIOSFODNN7EXAMPLE:abc" }), body
		}, now, iamScope, sigv4.ErrMalformed},
		{"garbled header", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(string) string { return "AWS4-HMAC-SHA256 Credential" }), body
		}, now, iamScope, sigv4.ErrMalformed},
		// Today this signed "x" (a header not sent) in front of the others;
		// SignedHeaders out of order are now refused before the signature.
		{"host not signed", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(a string) string { return strings.Replace(a, "SignedHeaders=", "SignedHeaders=x;", 1) }), body
		}, now, iamScope, sigv4.ErrMalformed},

		// The body is what is signed.
		{"body swapped, content-sha256 of the signed body, unsigned", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("X-Amz-Content-Sha256", hash([]byte(body)))
			return r, evil
		}, now, iamScope, sigv4.ErrPayload},
		{"body swapped, content-sha256 of the signed body, signed", func() (*http.Request, string) {
			return sign(hash([]byte(body)), "iam", "us-east-1", "X-Amz-Content-Sha256", hash([]byte(body))), evil
		}, now, iamScope, sigv4.ErrPayload},
		{"UNSIGNED-PAYLOAD", func() (*http.Request, string) {
			return sign("UNSIGNED-PAYLOAD", "iam", "us-east-1", "X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD"), evil
		}, now, iamScope, sigv4.ErrPayload},
		{"UNSIGNED-PAYLOAD signed, no header", func() (*http.Request, string) {
			return sign("UNSIGNED-PAYLOAD", "iam", "us-east-1"), evil
		}, now, iamScope, sigv4.ErrSignature},
		{"STREAMING-AWS4-HMAC-SHA256-PAYLOAD", func() (*http.Request, string) {
			return sign("STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "iam", "us-east-1", "X-Amz-Content-Sha256", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), body
		}, now, iamScope, sigv4.ErrPayload},
		{"content-sha256 in upper case", func() (*http.Request, string) {
			h := strings.ToUpper(hash([]byte(body)))
			return sign(h, "iam", "us-east-1", "X-Amz-Content-Sha256", h), body
		}, now, iamScope, sigv4.ErrPayload},
		{"unsigned content-sha256 with a wrong value", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("X-Amz-Content-Sha256", hash([]byte("something else")))
			return r, body
		}, now, iamScope, sigv4.ErrPayload},
		{"unsigned content-sha256 with the right value", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("X-Amz-Content-Sha256", hash([]byte(body)))
			return r, body
		}, now, iamScope, sigv4.ErrMalformed},
		{"two content-sha256 headers", func() (*http.Request, string) {
			r := sign(hash([]byte(body)), "iam", "us-east-1", "X-Amz-Content-Sha256", hash([]byte(body)))
			r.Header.Add("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
			return r, body
		}, now, iamScope, sigv4.ErrPayload},

		// The scope is the endpoint's.
		{"signed for s3", func() (*http.Request, string) { return sign(hash([]byte(body)), "s3", "us-east-1"), body }, now, iamScope, sigv4.ErrScope},
		{"signed for sts, sent to iam", func() (*http.Request, string) { return sign(hash([]byte(body)), "sts", "us-east-1"), body }, now, iamScope, sigv4.ErrScope},
		{"signed for IAM in upper case", func() (*http.Request, string) { return sign(hash([]byte(body)), "IAM", "us-east-1"), body }, now, iamScope, sigv4.ErrScope},
		{"signed for mars-1", func() (*http.Request, string) { return sign(hash([]byte(body)), "iam", "mars-1"), body }, now, iamScope, sigv4.ErrScope},
		{"iam signed for eu-west-1", func() (*http.Request, string) { return sign(hash([]byte(body)), "iam", "eu-west-1"), body }, now, iamScope, sigv4.ErrScope},
		{"iam signed for US-EAST-1", func() (*http.Request, string) { return sign(hash([]byte(body)), "iam", "US-EAST-1"), body }, now, iamScope, sigv4.ErrScope},
		{"sts signed for mars-1", func() (*http.Request, string) { return sign(hash([]byte(body)), "sts", "mars-1"), body }, now, stsScope, sigv4.ErrScope},
		{"an endpoint that accepts nothing", func() (*http.Request, string) { return signed(t, body, now, creds), body }, now, sigv4.Scope{}, sigv4.ErrScope},
		{"scope edited after signing", func() (*http.Request, string) {
			return editAuth(sign(hash([]byte(body)), "iam", "eu-west-1"), func(a string) string { return strings.Replace(a, "/eu-west-1/", "/us-east-1/", 1) }), body
		}, now, iamScope, sigv4.ErrSignature},
		{"scope date is not the request date", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(a string) string { return strings.Replace(a, "/20240601/", "/20240602/", 1) }), body
		}, now, iamScope, sigv4.ErrSignature},

		// The Authorization header says one thing once.
		{"Credential given twice", func() (*http.Request, string) {
			return editAuth(sign(hash([]byte(body)), "sts", "us-east-1"), func(a string) string {
				return strings.Replace(a, "Credential=", "Credential=AKIAIOSFODNN7EXAMPLE/20240601/us-east-1/iam/aws4_request, Credential=", 1)
			}), body
		}, now, iamScope, sigv4.ErrMalformed},
		{"Signature given twice", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(a string) string { return a + ", Signature=00" }), body
		}, now, iamScope, sigv4.ErrMalformed},
		{"two Authorization headers", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Add("Authorization", signed(t, evil, now, creds).Header.Get("Authorization"))
			return r, body
		}, now, iamScope, sigv4.ErrMalformed},
		{"Authorization header and a presigned query", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.URL.RawQuery = "X-Amz-Algorithm=AWS4-HMAC-SHA256"
			return r, body
		}, now, iamScope, sigv4.ErrMalformed},

		// Every header that matters is signed.
		{"host not in SignedHeaders", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(a string) string { return strings.Replace(a, "host;", "", 1) }), body
		}, now, iamScope, sigv4.ErrMalformed},
		{"x-amz-date not in SignedHeaders", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(a string) string { return strings.Replace(a, ";x-amz-date", "", 1) }), body
		}, now, iamScope, sigv4.ErrMalformed},
		{"X-Amz-Date changed after signing", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("X-Amz-Date", now.Add(time.Second).Format("20060102T150405Z"))
			return r, body
		}, now, iamScope, sigv4.ErrSignature},
		{"two X-Amz-Date headers", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Add("X-Amz-Date", now.Add(time.Second).Format("20060102T150405Z"))
			return r, body
		}, now, iamScope, sigv4.ErrMalformed},
		{"unsigned X-Amz-Target", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("X-Amz-Target", "AWSOrganizationsV20161128.LeaveOrganization")
			return r, body
		}, now, iamScope, sigv4.ErrMalformed},
		{"unsigned X-Amz-Security-Token", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("X-Amz-Security-Token", "FwoGZXIvYXdzEXAMPLETOKEN")
			return r, body
		}, now, iamScope, sigv4.ErrMalformed},
		{"a signed header the client did not sign", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(a string) string { return strings.Replace(a, "SignedHeaders=", "SignedHeaders=a-extra;", 1) }), body
		}, now, iamScope, sigv4.ErrSignature},
		{"SignedHeaders naming one header twice", func() (*http.Request, string) {
			return editAuth(signed(t, body, now, creds), func(a string) string { return strings.Replace(a, "host;", "host;host;", 1) }), body
		}, now, iamScope, sigv4.ErrMalformed},

		// Presigned URLs.
		{"presigned, content-sha256 of another body", func() (*http.Request, string) {
			u := presign(t, "POST", "http://127.0.0.1:9000/?X-Amz-Content-Sha256="+hash([]byte(body)), hash([]byte(body)), "sts", "us-east-1", now)
			r, _ := http.NewRequest("POST", u, strings.NewReader(evil))
			return r, evil
		}, now, stsScope, sigv4.ErrPayload},
		{"presigned, UNSIGNED-PAYLOAD", func() (*http.Request, string) {
			u := presign(t, "POST", "http://127.0.0.1:9000/?X-Amz-Content-Sha256=UNSIGNED-PAYLOAD", "UNSIGNED-PAYLOAD", "sts", "us-east-1", now)
			r, _ := http.NewRequest("POST", u, strings.NewReader(evil))
			return r, evil
		}, now, stsScope, sigv4.ErrPayload},
		{"presigned, body swapped", func() (*http.Request, string) {
			u := presign(t, "POST", "http://127.0.0.1:9000/", hash([]byte(body)), "sts", "us-east-1", now)
			r, _ := http.NewRequest("POST", u, strings.NewReader(evil))
			return r, evil
		}, now, stsScope, sigv4.ErrSignature},
		{"presigned for s3", func() (*http.Request, string) {
			u := presign(t, "GET", "http://127.0.0.1:9000/?Action=GetCallerIdentity&Version=2011-06-15", hash(nil), "s3", "us-east-1", now)
			r, _ := http.NewRequest("GET", u, nil)
			return r, ""
		}, now, stsScope, sigv4.ErrScope},
		{"presigned for mars-1", func() (*http.Request, string) {
			u := presign(t, "GET", "http://127.0.0.1:9000/?Action=GetCallerIdentity&Version=2011-06-15", hash(nil), "sts", "mars-1", now)
			r, _ := http.NewRequest("GET", u, nil)
			return r, ""
		}, now, stsScope, sigv4.ErrScope},
		{"presigned, X-Amz-Credential twice", func() (*http.Request, string) {
			u := presign(t, "GET", "http://127.0.0.1:9000/?Action=GetCallerIdentity&Version=2011-06-15", hash(nil), "sts", "us-east-1", now)
			r, _ := http.NewRequest("GET", u+"&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240601%2Fus-east-1%2Fsts%2Faws4_request", nil)
			return r, ""
		}, now, stsScope, sigv4.ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, b := c.req()
			_, err := sigv4.Verify(r, []byte(b), c.now, c.scope, lookup)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
			var d *sigv4.Detail
			if !errors.As(err, &d) {
				t.Fatalf("%T has no AWS message", err)
			}
		})
	}
}

// The scope errors carry AWS's wording: "Credential should be scoped to a
// valid region, not 'us-west-2'. " (IAM's answer in
// github.com/aws/aws-sdk-go/issues/156; the trailing space as in the raw
// JSON of github.com/joona/aws-es-curl/issues/15) and "Credential should be
// scoped to correct service: 'batch'. "
// (github.com/cllunsford/aws-signing-proxy/issues/25), which names the
// service expected.
func TestVerifyScopeMessages(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	body := "Action=ListUsers&Version=2010-05-08"
	for _, c := range []struct{ service, region, want string }{
		{"iam", "mars-1", "Credential should be scoped to a valid region, not 'mars-1'. "},
		{"s3", "us-east-1", "Credential should be scoped to correct service: 'iam'. "},
	} {
		_, err := verify(signedAs(t, body, hash([]byte(body)), c.service, c.region, now, creds), body, now)
		if err == nil || err.Error() != c.want {
			t.Errorf("%s/%s: got %q, want %q", c.service, c.region, err, c.want)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240601/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20240601T120000Z", "", "Action=ListUsers")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240601/mars-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=00", "20240601T120000Z", "UNSIGNED-PAYLOAD", "Action=CreateUser&UserName=x")
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240601/us-east-1/iam/aws4_request, Credential=x, SignedHeaders=host, Signature=00", "20240601T120000Z", hash([]byte("Action=ListUsers")), "Action=ListUsers")
	f.Fuzz(func(t *testing.T, auth, date, contentSHA, body string) {
		r, _ := http.NewRequest("POST", "http://h/", strings.NewReader(body))
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		if contentSHA != "" {
			r.Header.Set("X-Amz-Content-Sha256", contentSHA)
		}
		res, err := sigv4.Verify(r, []byte(body), time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC), iamScope, lookup)
		if err == nil && (res.Service != "iam" || res.Region != "us-east-1") {
			t.Fatalf("accepted a scope the endpoint does not: %+v", res)
		}
	})
}
