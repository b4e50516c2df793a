package server_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store/sqlite"
)

// routeCase is one request of the routing golden file: a method, a path
// (sent as written, not cleaned), a body, the service its signature is
// scoped to ("" unsigned) and its headers.
type routeCase struct {
	method, path, body, sign string
	header                   map[string]string
}

var routeCases = []routeCase{
	// The AWS Query API at any path, by Action and Version (the IAM and
	// STS API References, "Making Query requests"), unsigned and signed.
	{method: "POST", path: "/", body: listUsers},
	{method: "POST", path: "/", body: listUsers, sign: "iam"},
	{method: "GET", path: "/?Action=GetCallerIdentity&Version=2011-06-15", sign: "sts"},
	{method: "POST", path: "/anything/at/all", body: "Action=GetCallerIdentity&Version=2011-06-15", sign: "sts"},
	{method: "POST", path: "/", body: "Action=NoSuchThing&Version=2010-05-08", sign: "iam"},
	{method: "POST", path: "/", body: "Version=2010-05-08", sign: "iam"},
	{method: "PUT", path: "/", body: listUsers, sign: "iam"},
	{method: "DELETE", path: "/v1", sign: "iam"},
	{method: "PATCH", path: "/console", body: listUsers, sign: "iam"},
	// The Organizations JSON API, by X-Amz-Target.
	{method: "POST", path: "/", body: "{}", sign: "organizations", header: map[string]string{"X-Amz-Target": "AWSOrganizationsV20161128.DescribeOrganization", "Content-Type": "application/x-amz-json-1.1"}},
	{method: "POST", path: "/", body: "{}", sign: "organizations", header: map[string]string{"X-Amz-Target": "AWSOrganizationsV20161128.NoSuch", "Content-Type": "application/x-amz-json-1.1"}},
	{method: "POST", path: "/", body: "{", header: map[string]string{"X-Amz-Target": "AWSOrganizationsV20161128.ListRoots"}},
	// Access Analyzer's REST-JSON API under /policy/, or by its signing
	// scope at any path.
	{method: "POST", path: "/policy/validation", body: "{}", sign: "access-analyzer"},
	{method: "POST", path: "/policy/validation", body: "{}"},
	{method: "GET", path: "/policy/validation", sign: "access-analyzer"},
	{method: "POST", path: "/policy/nothing-here", body: "{}", sign: "access-analyzer"},
	{method: "POST", path: "/policy", body: "{}", sign: "access-analyzer"},
	{method: "POST", path: "/policy", body: listUsers, sign: "iam"},
	{method: "POST", path: "/elsewhere", body: "{}", sign: "access-analyzer"},
	// The decision API.
	{method: "POST", path: "/v1/authorize", body: `{"principal":"arn:aws:iam::100000000000:user/admin","action":"iam:ListUsers","resource":"*"}`, sign: "iam"},
	{method: "POST", path: "/v1/authorize", body: `{}`},
	{method: "GET", path: "/v1/authorize", sign: "iam"},
	{method: "HEAD", path: "/v1/authorize"},
	{method: "POST", path: "/v1/authorize/", body: listUsers, sign: "iam"},
	{method: "POST", path: "/v1/authorizex", body: listUsers, sign: "iam"},
	{method: "POST", path: "/v1/authorize", body: `{}`, sign: "access-analyzer"},
	// The pipeline API.
	{method: "GET", path: "/v1/pipeline/submissions", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/submissions?limit=x", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/submissions"},
	{method: "POST", path: "/v1/pipeline/submissions", body: "{}", sign: "iam"},
	{method: "PATCH", path: "/v1/pipeline/submissions", sign: "iam"},
	{method: "HEAD", path: "/v1/pipeline/submissions", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/submissions/no-such", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/submissions/", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/submissions/a/b", sign: "iam"},
	{method: "HEAD", path: "/v1/pipeline/submissions/a", sign: "iam"},
	{method: "DELETE", path: "/v1/pipeline/submissions/a", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/guardrails", sign: "iam"},
	{method: "HEAD", path: "/v1/pipeline/guardrails", sign: "iam"},
	{method: "PUT", path: "/v1/pipeline/guardrails", body: "not: [yaml", sign: "iam"},
	{method: "POST", path: "/v1/pipeline/guardrails", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/", sign: "iam"},
	{method: "GET", path: "/v1/pipeline/other", sign: "iam"},
	{method: "GET", path: "/v1/pipeline", sign: "iam"},
	{method: "POST", path: "/v1/pipeline", body: listUsers, sign: "iam"},
	{method: "POST", path: "/v1/pipeline/submissions", body: "{}", header: map[string]string{"X-Amz-Target": "AWSOrganizationsV20161128.ListRoots"}},
	// The analysis API.
	{method: "POST", path: "/v1/analysis/who-can", body: "{}", sign: "iam"},
	{method: "POST", path: "/v1/analysis/can", body: "{}"},
	{method: "GET", path: "/v1/analysis/allowed-if", sign: "iam"},
	{method: "HEAD", path: "/v1/analysis/allowed-if"},
	{method: "POST", path: "/v1/analysis/who-can/", body: "{}", sign: "iam"},
	{method: "POST", path: "/v1/analysis/nothing", body: "{}", sign: "iam"},
	{method: "POST", path: "/v1/analysis/", body: "{}", sign: "iam"},
	{method: "POST", path: "/v1/analysis", body: listUsers, sign: "iam"},
	// The console, when one is mounted (server.MountConsole), else the
	// Query API's answers.
	{method: "GET", path: "/console"},
	{method: "GET", path: "/console/"},
	{method: "POST", path: "/console/sign-in", body: "x=1"},
	{method: "GET", path: "/consolex"},
	{method: "GET", path: "/v1/console/"},
	// Paths that are not clean are answered, not redirected.
	{method: "POST", path: "//", body: listUsers, sign: "iam"},
	{method: "POST", path: "/a/../", body: listUsers, sign: "iam"},
	{method: "GET", path: "/./?Action=GetCallerIdentity&Version=2011-06-15", sign: "sts"},
	{method: "GET", path: "/v1/pipeline//submissions", sign: "iam"},
	{method: "POST", path: "/v1/analysis/./who-can", body: "{}", sign: "iam"},
	{method: "POST", path: "/v1/pipeline/../authorize", body: "{}", sign: "iam"},
	{method: "GET", path: "/console/../console/"},
	{method: "GET", path: "/v1/pipeline/submissions/../x", sign: "iam"},
	// An escaped slash is part of its segment.
	{method: "GET", path: "/v1/pipeline/submissions%2Fx", sign: "iam"},
	{method: "POST", path: "/v1%2Fauthorize", body: "{}", sign: "iam"},
	{method: "POST", path: "/v1/authoriz%65", body: "{}", sign: "iam"},
}

var (
	requestIDs = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	uniqueIDs  = regexp.MustCompile(`\bA[A-Z]{3}[A-Z2-7]{17}\b`)
)

// answer sends c to base (signed with creds) and writes what came back:
// the status, the headers that say where and what the answer is, and the
// body, request and unique IDs masked, cut at 240 bytes.
func answer(t *testing.T, base string, creds aws.Credentials, c routeCase) string {
	t.Helper()
	r, err := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	if c.body != "" && c.header["Content-Type"] == "" {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	for k, v := range c.header {
		r.Header.Set(k, v)
	}
	if c.sign != "" {
		signRequestFor(t, r, []byte(c.body), creds, c.sign)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	body := uniqueIDs.ReplaceAllString(requestIDs.ReplaceAllString(strings.ReplaceAll(string(raw), "\n", " "), "REQUEST-ID"), "UNIQUE-ID")
	if len(body) > 240 {
		body = body[:240] + "..."
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%d", res.StatusCode)
	for _, h := range []string{"Content-Type", "Location", "Allow"} {
		if v := res.Header.Get(h); v != "" {
			fmt.Fprintf(&b, " %s=%q", h, v)
		}
	}
	if len(body) > 0 {
		fmt.Fprintf(&b, "\n\t%s", body)
	}
	return b.String()
}

// Every route answers as testdata/routing.golden says, with the pipeline
// on and a console mounted, and with neither: which API answers a method
// and path, how it authenticates, and the error it gives a request it
// does not serve (the Query API's for a path no other API has). Rewrite
// the file with go test ./server -run TestRouting -update.
func TestRoutingAnswersEveryRequestAsTheGoldenFile(t *testing.T) {
	var out bytes.Buffer
	full, keys := pipelineEnv(t, false)
	full.srv.MountConsole(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "console %s %s", r.Method, r.URL.Path)
	}))
	metrics := server.NewMetrics()
	st, serr := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "iamgate.db"))
	if serr != nil {
		t.Fatal(serr)
	}
	t.Cleanup(func() { st.Close() })
	bare := startEnvWith(t, st, func(c *server.Config) { c.Metrics = metrics })
	for _, side := range []struct {
		name  string
		e     *env
		creds aws.Credentials
	}{{"pipeline and console", full, keys["secops"]}, {"neither", bare, bare.admin}} {
		for _, c := range routeCases {
			fmt.Fprintf(&out, "%s | %s %s", side.name, c.method, c.path)
			if c.sign != "" {
				fmt.Fprintf(&out, " signed %s", c.sign)
			}
			var hs []string
			for k := range c.header {
				hs = append(hs, k+": "+c.header[k])
			}
			sort.Strings(hs)
			for _, h := range hs {
				fmt.Fprintf(&out, " [%s]", h)
			}
			fmt.Fprintf(&out, "\n%s\n\n", answer(t, side.e.ts.URL, side.creds, c))
		}
	}
	// The metrics count each request under its API and operation.
	rec := httptest.NewRecorder()
	metrics.Handler().ServeHTTP(rec, httptest.NewRequest("GET", server.MetricsPath, nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "iamgate_requests_total{") {
			out.WriteString(line)
		}
	}
	golden := filepath.Join("testdata", "routing.golden")
	if *updateGolden {
		if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out.Bytes(), want) {
		got, exp := bufio.NewScanner(&out), bufio.NewScanner(bytes.NewReader(want))
		for line := 1; ; line++ {
			g, e := got.Scan(), exp.Scan()
			if !g && !e {
				break
			}
			if got.Text() != exp.Text() {
				t.Errorf("%s:%d:\n got %s\nwant %s", golden, line, got.Text(), exp.Text())
			}
		}
	}
}
