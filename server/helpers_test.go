package server_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	apimodel "github.com/iamgate/iamgate/api/model"
	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/keyring"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
)

// env is a running server on loopback with its administrator's key.
type env struct {
	t     testing.TB
	srv   *server.Server
	ts    *httptest.Server
	st    store.Store
	admin aws.Credentials
	// offset shifts the server's clock (expiry tests).
	offset atomic.Int64
}

var testMaster = keyring.MasterKey{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}

func newEnv(t testing.TB) *env {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return startEnv(t, st)
}

func startEnv(t testing.TB, st store.Store) *env { return startEnvWith(t, st, nil) }

// startEnvWith starts a server whose configuration configure may change.
func startEnvWith(t testing.TB, st store.Store, configure func(*server.Config)) *env {
	t.Helper()
	e := &env{t: t, st: st}
	log := audit.NewLog(st)
	t.Cleanup(log.Close)
	cfg := server.Config{Store: st, Master: testMaster, Audit: log,
		Clock: func() time.Time { return time.Now().Add(time.Duration(e.offset.Load())) }}
	if configure != nil {
		configure(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	boot, err := srv.Bootstrap(context.Background(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if boot.Key != nil {
		e.admin = aws.Credentials{AccessKeyID: boot.Key.ID, SecretAccessKey: boot.Key.Secret}
	}
	e.srv = srv
	e.ts = httptest.NewServer(srv)
	t.Cleanup(e.ts.Close)
	return e
}

func provider(c aws.Credentials) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) { return c, nil }
}

func (e *env) iam(c aws.Credentials) *iam.Client {
	return iam.New(iam.Options{Region: "us-east-1", Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: checking{e.t}}})
}

func (e *env) sts(c aws.Credentials) *sts.Client {
	return sts.New(sts.Options{Region: "eu-central-1", Credentials: provider(c), BaseEndpoint: aws.String(e.ts.URL), Retryer: aws.NopRetryer{}, HTTPClient: &http.Client{Transport: checking{e.t}}})
}

// apiError returns the AWS error code and HTTP status of err.
func apiError(t *testing.T, err error) (code string, status int, msg string) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error, got success")
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("not an API error: %v", err)
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		status = re.HTTPStatusCode()
	}
	return ae.ErrorCode(), status, ae.ErrorMessage()
}

// wantError checks an error's code and status, and returns its message
// without the encoded authorization failure message of a denial.
func wantError(t *testing.T, err error, code string, status int) string {
	t.Helper()
	got, st, msg := apiError(t, err)
	if got != code || st != status {
		t.Fatalf("got %s (%d): %s; want %s (%d)", got, st, msg, code, status)
	}
	text, _ := splitDenied(msg)
	return text
}

// splitDenied splits a denial's message into AWS's text and the encoded
// authorization failure message.
func splitDenied(msg string) (text, encoded string) {
	text, encoded, _ = strings.Cut(msg, ". Encoded authorization failure message: ")
	return text, encoded
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func contains(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

const trustAccount = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}`

// checking is an http.RoundTripper that checks every successful response
// against the botocore model of its service.
type checking struct{ t testing.TB }

func (c checking) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	res, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		return res, err
	}
	if res.StatusCode != 200 {
		// An Organizations error of an operation of the model: its code,
		// status and members (checkJSONErrorStrict).
		_, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
		if apimodel.Organizations.Operation(op) != nil {
			out, err := keepBody(res)
			if err != nil {
				return nil, err
			}
			for _, m := range checkJSONErrorStrict(apimodel.Organizations, op, res.StatusCode, res.Header, out) {
				c.t.Errorf("%s (%d): %s", op, res.StatusCode, m)
			}
		}
		return res, nil
	}
	out, err := keepBody(res)
	if err != nil {
		return nil, err
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		_, op, _ := strings.Cut(target, ".")
		recordCall("organizations:" + op)
		checkJSONResponse(c.t, "organizations/2016-11-28", op, out)
		for _, m := range checkJSONStrict(apimodel.Organizations, op, out) {
			c.t.Errorf("%s: %s", op, m)
		}
		return res, nil
	}
	form, _ := url.ParseQuery(string(body))
	service := map[string]string{"2010-05-08": "iam/2010-05-08", "2011-06-15": "sts/2011-06-15"}[form.Get("Version")]
	if service != "" {
		recordCall(form.Get("Action"))
		checkResponse(c.t, service, form.Get("Action"), out)
	}
	return res, nil
}
