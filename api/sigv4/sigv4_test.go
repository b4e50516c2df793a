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

// signed builds an IAM Query request signed by aws-sdk-go-v2's signer.
func signed(t *testing.T, body string, at time.Time, c aws.Credentials) *http.Request {
	r, _ := http.NewRequest("POST", "http://127.0.0.1:9000/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	if c.SessionToken != "" {
		r.Header.Set("X-Amz-Security-Token", c.SessionToken)
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), c, r, hash([]byte(body)), "iam", "us-east-1", at); err != nil {
		t.Fatal(err)
	}
	return r
}

func verify(r *http.Request, body string, now time.Time) (*sigv4.Result, error) {
	return sigv4.Verify(r, []byte(body), now, lookup)
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
}

func TestVerifyPresigned(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	r, _ := http.NewRequest("GET", "http://127.0.0.1:9000/?Action=GetCallerIdentity&Version=2011-06-15", nil)
	q := r.URL.Query()
	q.Set("X-Amz-Expires", "900")
	r.URL.RawQuery = q.Encode()
	u, _, err := v4.NewSigner().PresignHTTP(context.Background(), creds, r, hash(nil), "sts", "us-east-1", now)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := http.NewRequest("GET", u, nil)
	if _, err := verify(pr, "", now.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := verify(pr, "", now.Add(16*time.Minute)); !errors.Is(err, sigv4.ErrPresignExpired) {
		t.Fatalf("expired presign: %v", err)
	}
	tampered, _ := url.Parse(u)
	tq := tampered.Query()
	tq.Set("Action", "DeleteUser")
	tampered.RawQuery = tq.Encode()
	tr, _ := http.NewRequest("GET", tampered.String(), nil)
	if _, err := verify(tr, "", now); !errors.Is(err, sigv4.ErrSignature) {
		t.Fatalf("tampered presign: %v", err)
	}
}

// The negative cases, each with the error AWS gives (mapped at the API edge).
func TestVerifyRejects(t *testing.T) {
	now := time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)
	body := "Action=ListUsers&Version=2010-05-08"
	wrong := creds
	wrong.SecretAccessKey = "not-the-secret"
	unknown := creds
	unknown.AccessKeyID = "AKIAUNKNOWNKEY000000"
	cases := []struct {
		name string
		req  func() (*http.Request, string)
		now  time.Time
		want error
	}{
		{"wrong secret", func() (*http.Request, string) { return signed(t, body, now, wrong), body }, now, sigv4.ErrSignature},
		{"unknown key", func() (*http.Request, string) { return signed(t, body, now, unknown), body }, now, sigv4.ErrUnknownKey},
		{"tampered body", func() (*http.Request, string) { return signed(t, body, now, creds), body + "&UserName=x" }, now, sigv4.ErrSignature},
		{"16 minutes late", func() (*http.Request, string) { return signed(t, body, now, creds), body }, now.Add(16 * time.Minute), sigv4.ErrExpired},
		{"16 minutes early", func() (*http.Request, string) { return signed(t, body, now, creds), body }, now.Add(-16 * time.Minute), sigv4.ErrExpired},
		{"unsigned", func() (*http.Request, string) {
			r, _ := http.NewRequest("POST", "http://127.0.0.1:9000/", strings.NewReader(body))
			return r, body
		}, now, sigv4.ErrMissing},
		{"other algorithm", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("Authorization", "AWS AKIAIOSFODNN7EXAMPLE:abc")
			return r, body
		}, now, sigv4.ErrMalformed},
		{"garbled header", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential")
			return r, body
		}, now, sigv4.ErrMalformed},
		{"host not signed", func() (*http.Request, string) {
			r := signed(t, body, now, creds)
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", strings.Replace(a, "SignedHeaders=", "SignedHeaders=x;", 1))
			return r, body
		}, now, sigv4.ErrSignature},
	}
	for _, c := range cases {
		r, b := c.req()
		_, err := verify(r, b, c.now)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		}
		var d *sigv4.Detail
		if err != nil && !errors.As(err, &d) {
			t.Errorf("%s: %T has no AWS message", c.name, err)
		}
	}
}

func FuzzVerify(f *testing.F) {
	f.Add("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240601/us-east-1/iam/aws4_request, SignedHeaders=host;x-amz-date, Signature=00", "20240601T120000Z", "Action=ListUsers")
	f.Fuzz(func(t *testing.T, auth, date, body string) {
		r, _ := http.NewRequest("POST", "http://h/", strings.NewReader(body))
		r.Header.Set("Authorization", auth)
		r.Header.Set("X-Amz-Date", date)
		sigv4.Verify(r, []byte(body), time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC), lookup)
	})
}
