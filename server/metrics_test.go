package server_test

import (
	"context"
	"io"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/sqlite"
)

// The metrics count requests by action and outcome and time decisions and
// store writes.
func TestMetrics(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := server.NewMetrics()
	srv, err := server.New(ctx, server.Config{Store: st, Master: testMaster, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	boot, err := srv.Bootstrap(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, ts: httptest.NewServer(srv), st: st, admin: aws.Credentials{AccessKeyID: boot.Key.ID, SecretAccessKey: boot.Key.Secret}}
	defer e.ts.Close()
	must[*sts.GetCallerIdentityOutput](t)(e.sts(e.admin).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	must[*iam.CreateUserOutput](t)(e.iam(e.admin).CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("m")}))
	_, err = e.iam(e.admin).GetUser(ctx, &iam.GetUserInput{UserName: aws.String("nobody")})
	wantError(t, err, "NoSuchEntity", 404)
	ms := httptest.NewServer(m.Handler())
	defer ms.Close()
	res, err := ms.Client().Get(ms.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`iamgate_requests_total{action="GetCallerIdentity",outcome="OK",service="sts"} 1`,
		`iamgate_requests_total{action="CreateUser",outcome="OK",service="iam"} 1`,
		`iamgate_requests_total{action="GetUser",outcome="NoSuchEntity",service="iam"} 1`,
		`iamgate_decision_duration_seconds_count{decision="allowed"}`,
		`iamgate_store_duration_seconds_count{op="update_account"}`,
		`iamgate_request_duration_seconds_bucket{service="iam"`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Beside the API, GET /metrics is the metrics and everything else is still
// the AWS API: the Query API POSTs to "/", and a POST to /metrics is an API
// request too, not the metrics.
func TestMetricsBesideTheAPI(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "m.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	m := server.NewMetrics()
	srv, err := server.New(ctx, server.Config{Store: st, Master: testMaster, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	boot, err := srv.Bootstrap(ctx, "", "")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, srv: srv, ts: httptest.NewServer(m.Beside(srv)), st: st, admin: aws.Credentials{AccessKeyID: boot.Key.ID, SecretAccessKey: boot.Key.Secret}}
	defer e.ts.Close()
	must[*sts.GetCallerIdentityOutput](t)(e.sts(e.admin).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	res, err := e.ts.Client().Get(e.ts.URL + server.MetricsPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if want := `iamgate_requests_total{action="GetCallerIdentity",outcome="OK",service="sts"} 1`; res.StatusCode != 200 || !strings.Contains(string(body), want) {
		t.Errorf("GET /metrics: %d, lacks %s", res.StatusCode, want)
	}
	res, err = e.ts.Client().Post(e.ts.URL+server.MetricsPath, "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 403 || !strings.Contains(string(body), "MissingAuthenticationToken") {
		t.Errorf("POST /metrics (unsigned) is not the API: %d %s", res.StatusCode, body)
	}
}
