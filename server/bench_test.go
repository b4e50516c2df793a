package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

// benchServe measures the server's handler alone (SigV4 verification,
// caller resolution, authorization, XML) on one signed request replayed.
func benchServe(b *testing.B, body string) {
	e := newEnv(b)
	ctx := context.Background()
	if _, err := e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(trustAccount)}); err != nil {
		b.Fatal(err)
	}
	req := signed(b, e.ts.URL, body, e.admin, time.Now())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := req.Clone(ctx)
		r.Body = io.NopCloser(strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:4242"
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d: %s", w.Code, w.Body)
		}
	}
}

func BenchmarkServeGetCallerIdentity(b *testing.B) {
	benchServe(b, "Action=GetCallerIdentity&Version=2011-06-15")
}

func BenchmarkServeAssumeRole(b *testing.B) {
	benchServe(b, url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::123456789012:role/r1"}, "RoleSessionName": {"bench"}}.Encode())
}

func BenchmarkServeGetRole(b *testing.B) {
	benchServe(b, "Action=GetRole&Version=2010-05-08&RoleName=r1")
}

// BenchmarkServeCreateUser is a write: the account is copied and changed,
// the world rebuilt, and the account stored in one SQLite transaction. The
// request is signed per iteration, so signing is included.
func BenchmarkServeCreateUser(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body := "Action=CreateUser&Version=2010-05-08&UserName=u" + strconv.Itoa(i)
		r := signed(b, e.ts.URL, body, e.admin, time.Now())
		r.RemoteAddr = "127.0.0.1:4242"
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r.WithContext(ctx))
		if w.Code != 200 {
			b.Fatalf("%d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkDecisionAPI is one world question to POST /v1/authorize.
func BenchmarkDecisionAPI(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	if _, err := e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(trustAccount)}); err != nil {
		b.Fatal(err)
	}
	body := `{"principal":"arn:aws:iam::123456789012:role/r1","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","context":{"aws:SourceIp":"10.0.0.1"}}`
	req := signed(b, e.ts.URL+"/v1/authorize", body, e.admin, time.Now())
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := req.Clone(ctx)
		r.Body = io.NopCloser(strings.NewReader(body))
		r.RemoteAddr = "127.0.0.1:4242"
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		if w.Code != 200 {
			b.Fatalf("%d: %s", w.Code, w.Body)
		}
	}
}

// BenchmarkPipelineSubmit is one submission through the pipeline's HTTP
// API, as iamgate serve runs it (SigV4, authorization, audit, the record
// written after each step): rejected by the guardrails, or checked and
// created in the sandbox through the pipeline role's AssumeRole and the
// central role's CreatePolicy. Created policies accumulate (each has its
// own name), so run it with a fixed -benchtime such as 500x.
func BenchmarkPipelineSubmit(b *testing.B) {
	for _, c := range []struct{ name, doc, status string }{
		{"rejected", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, `"status":"rejected"`},
		{"created", `{"Version":"2012-10-17","Statement":[{"Sid":"EC2Run","Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}`, `"status":"created"`},
	} {
		b.Run(c.name, func(b *testing.B) {
			e, keys := pipelineEnv(b, false)
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				body := []byte(`{"policyName":"P` + strconv.Itoa(i) + `","document":` + c.doc + `}`)
				r := httptest.NewRequest("POST", "/v1/pipeline/submissions", bytes.NewReader(body))
				r.Header.Set("Content-Type", "application/json")
				signRequest(b, r, body, keys["alice"])
				w := httptest.NewRecorder()
				e.srv.ServeHTTP(w, r)
				if w.Code != 200 || !strings.Contains(w.Body.String(), c.status) {
					b.Fatalf("%d: %s", w.Code, w.Body)
				}
			}
		})
	}
}

// seededEnv starts a server on a SQLite store that already holds users
// users: all in the administrator's account 123456789012 (accounts == 1),
// or spread evenly over that account and accounts-1 others.
func seededEnv(b *testing.B, users, accounts int) *env {
	b.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "iamgate.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	fw := &world.FileWorld{}
	for a := 0; a < accounts; a++ {
		id := fmt.Sprintf("%012d", 123456789012+a)
		fw.Accounts = append(fw.Accounts, world.FileAccount{ID: id, Name: "a" + strconv.Itoa(a)})
	}
	created := time.Now().UTC().Truncate(time.Second)
	for u := 0; u < users; u++ {
		fa := &fw.Accounts[u%accounts]
		fa.Users = append(fa.Users, world.FileUser{Name: "seed" + strconv.Itoa(u), Path: "/", ID: fmt.Sprintf("AIDASEED%012d", u), Created: created})
	}
	w, err := world.Build("seed", fw)
	if err != nil {
		b.Fatal(err)
	}
	if err := store.SaveWorld(context.Background(), st, w); err != nil {
		b.Fatal(err)
	}
	return startEnv(b, st)
}

// benchWrites sends b.N signed writes (signing included) to the handler
// and reports their latency percentiles.
func benchWrites(b *testing.B, e *env, body func(i int) string) {
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		r := signed(b, e.ts.URL, body(i), e.admin, time.Now())
		r.RemoteAddr = "127.0.0.1:4242"
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r.WithContext(ctx))
		if w.Code != 200 {
			b.Fatalf("%d: %s", w.Code, w.Body)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// BenchmarkWrite measures CreateUser and PutRolePolicy through the
// handler (SigV4, authorization, the conditional SQLite write with its
// audit entry, the rebuild and publish) at 1,000 and 10,000 users, all in
// the caller's account or spread over 1,000 accounts. Run it with a fixed
// -benchtime such as 300x: created users accumulate.
func BenchmarkWrite(b *testing.B) {
	for _, size := range []struct {
		name            string
		users, accounts int
	}{
		{"1k-users-1-account", 1000, 1}, {"10k-users-1-account", 10000, 1},
		{"1k-users-1k-accounts", 1000, 1000}, {"10k-users-1k-accounts", 10000, 1000},
	} {
		b.Run("CreateUser/"+size.name, func(b *testing.B) {
			e := seededEnv(b, size.users, size.accounts)
			benchWrites(b, e, func(i int) string {
				return "Action=CreateUser&Version=2010-05-08&UserName=new" + strconv.Itoa(i)
			})
		})
		b.Run("PutRolePolicy/"+size.name, func(b *testing.B) {
			e := seededEnv(b, size.users, size.accounts)
			if _, err := e.iam(e.admin).CreateRole(context.Background(), &iam.CreateRoleInput{RoleName: aws.String("r1"), AssumeRolePolicyDocument: aws.String(trustAccount)}); err != nil {
				b.Fatal(err)
			}
			benchWrites(b, e, func(i int) string {
				doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b` + strconv.Itoa(i%2) + `/*"}]}`
				return url.Values{"Action": {"PutRolePolicy"}, "Version": {"2010-05-08"}, "RoleName": {"r1"}, "PolicyName": {"p"}, "PolicyDocument": {doc}}.Encode()
			})
		})
	}
}
