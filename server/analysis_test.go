package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/iamgate/iamgate/audit"
	"github.com/iamgate/iamgate/internal/cli"
	"github.com/iamgate/iamgate/server"
	"github.com/iamgate/iamgate/store"
	"github.com/iamgate/iamgate/store/sqlite"
	"github.com/iamgate/iamgate/world"
)

const (
	analysisWorld = "testdata/analysis/world.yaml"
	mgmtAccount   = "100000000000"
	acctA         = "111111111111"
	acctB         = "222222222222"
	acctOutside   = "999999999999"
	dataA         = "arn:aws:s3:::data-a/reports/q1.csv"
)

// analysisEnv serves testdata/analysis/world.yaml (an organization with
// members A and B, and an account outside it) and returns keys for its
// users by name.
func analysisEnv(t testing.TB) (*env, map[string]aws.Credentials) {
	t.Helper()
	return analysisEnvWith(t, nil)
}

func analysisEnvWith(t testing.TB, configure func(*server.Config)) (*env, map[string]aws.Credentials) {
	t.Helper()
	return worldEnv(t, analysisWorld, mgmtAccount, configure, map[string]string{"auditor": mgmtAccount, "analyst": acctA, "nobody": acctA,
		"scoped": acctA, "b-analyst": acctB, "outsider": acctOutside})
}

// worldEnv serves a world file from a fresh SQLite store, with the
// server's account set to account (and configure's changes), and returns
// an access key for each of users (name to account) by name.
func worldEnv(t testing.TB, file, account string, configure func(*server.Config), users map[string]string) (*env, map[string]aws.Credentials) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "iamgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	w, err := world.LoadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := store.SaveWorld(ctx, st, w); err != nil {
		t.Fatal(err)
	}
	e := startEnvWith(t, st, func(c *server.Config) {
		c.Account = account
		if configure != nil {
			configure(c)
		}
	})
	keys := map[string]aws.Credentials{}
	for user, acct := range users {
		k, err := e.srv.Keys().CreateAccessKey(ctx, acct, user)
		if err != nil {
			t.Fatal(err)
		}
		keys[user] = aws.Credentials{AccessKeyID: k.ID, SecretAccessKey: k.Secret}
	}
	return e, keys
}

// analyze posts a JSON question to /v1/analysis/OP, signed by aws-sdk-go-v2's
// SigV4 signer (scope iam, us-east-1), and returns the status and body.
func (e *env) analyze(t *testing.T, c aws.Credentials, op, body string) (int, []byte) {
	t.Helper()
	r, err := http.NewRequest(http.MethodPost, e.ts.URL+server.AnalysisPath+op, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/json")
	signRequestFor(t, r, []byte(body), c, "iam")
	return sendJSON(t, r)
}

func sendJSON(t *testing.T, r *http.Request) (int, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q: %s", ct, out)
	}
	if res.Header.Get("x-amzn-RequestId") == "" {
		t.Fatalf("no request ID: %s", out)
	}
	return res.StatusCode, out
}

type analysisResults struct {
	Principal string `json:"principal"`
	Results   []struct {
		Principal, Action, Resource, Decision string
		Via                                   []string
		AllowedIf                             []any `json:"allowedIf"`
	} `json:"results"`
	Error *struct{ Code, Message string } `json:"error"`
}

func decodeResults(t *testing.T, status int, out []byte) analysisResults {
	t.Helper()
	var r analysisResults
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%d: not JSON: %s", status, out)
	}
	if status != 200 || r.Error != nil {
		t.Fatalf("%d: %s", status, out)
	}
	return r
}

// analysisError is the status, code and text of an error answer, its
// encoded authorization failure message cut off.
func analysisError(t *testing.T, status int, out []byte) string {
	t.Helper()
	var r analysisResults
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("%d: not JSON: %s", status, out)
	}
	if r.Error == nil {
		t.Fatalf("%d: want an error, got %s", status, out)
	}
	text, _ := splitDenied(r.Error.Message)
	return strings.Join([]string{http.StatusText(status), r.Error.Code, text}, " ")
}

func principals(r analysisResults) []string {
	var out []string
	for _, x := range r.Results {
		out = append(out, x.Principal+" via "+strings.Join(x.Via, ","))
	}
	sort.Strings(out)
	return out
}

// runCLI runs iamgate with args and returns its standard output.
func runCLI(t *testing.T, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := cli.Main(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("iamgate %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	return stdout.Bytes()
}

// sameJSON fails unless a and b hold the same JSON value.
func sameJSON(t *testing.T, what string, a, b []byte) {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("%s: %v: %s", what, err, a)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("%s: %v: %s", what, err, b)
	}
	if !reflect.DeepEqual(x, y) {
		t.Fatalf("%s differs:\nserved: %s\ncli:    %s", what, a, b)
	}
}

// who-can over the stored world: a member account sees its own principals
// (and chains through its own roles only); the management account sees the
// organization, and its answer is the CLI's, shape and all.
// An analysis past the server's time bound is stopped and answered
// ServiceUnavailable (503), as a request the server cannot serve now; the
// slot it held is free for the next one.
func TestAnalysisTimeout(t *testing.T) {
	e, keys := analysisEnvWith(t, func(c *server.Config) { c.AnalysisTimeout = time.Nanosecond })
	for _, q := range []struct{ op, body string }{
		{"who-can", `{"actions":["s3:GetObject"],"resource":"` + dataA + `","transitive":true}`},
		{"can", `{"principal":"arn:aws:iam::111111111111:user/reader"}`},
	} {
		for range 3 {
			st, out := e.analyze(t, keys["auditor"], q.op, q.body)
			if got := analysisError(t, st, out); !strings.HasPrefix(got, "Service Unavailable ServiceUnavailable The analysis did not finish within 1ns") {
				t.Fatalf("%s past its time: %d %s", q.op, st, out)
			}
		}
	}
}

func TestAnalysisWhoCan(t *testing.T) {
	e, keys := analysisEnv(t)
	q := `{"actions":["s3:GetObject"],"resource":"` + dataA + `","transitive":true}`

	st, out := e.analyze(t, keys["auditor"], "who-can", q)
	got := principals(decodeResults(t, st, out))
	want := []string{
		"arn:aws:iam::111111111111:role/app via ",
		"arn:aws:iam::111111111111:user/hopper via arn:aws:iam::222222222222:role/bridge,arn:aws:iam::111111111111:role/app",
		"arn:aws:iam::111111111111:user/reader via ",
		"arn:aws:iam::222222222222:role/bridge via arn:aws:iam::111111111111:role/app",
		"arn:aws:iam::222222222222:user/bob via ",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("management account's who-can:\n got %q\nwant %q", got, want)
	}
	sameJSON(t, "who-can", out, runCLI(t, "who-can", "--world", analysisWorld, "--action", "s3:GetObject", "--resource", dataA, "--transitive", "--output", "json"))

	// A sees its reader and app role; not B's bob or bridge, and not its
	// own hopper, whose chain goes through B's bridge role.
	st, out = e.analyze(t, keys["analyst"], "who-can", q)
	got = principals(decodeResults(t, st, out))
	if want := []string{"arn:aws:iam::111111111111:role/app via ", "arn:aws:iam::111111111111:user/reader via "}; !reflect.DeepEqual(got, want) {
		t.Fatalf("member account's who-can:\n got %q\nwant %q", got, want)
	}
	if strings.Contains(string(out), acctB) {
		t.Fatalf("account A's answer names account B: %s", out)
	}
	// B asks about its own bucket: B's principals only.
	st, out = e.analyze(t, keys["b-analyst"], "who-can", `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::data-b/x","transitive":true}`)
	for _, p := range principals(decodeResults(t, st, out)) {
		if !strings.Contains(p, acctB) || strings.Contains(p, acctA) {
			t.Fatalf("B's who-can on its bucket: %q", p)
		}
	}
	// Context keys given are known: with the ExternalId, hopper's chain is
	// unconditional.
	st, out = e.analyze(t, keys["auditor"], "who-can", `{"actions":["s3:GetObject"],"resource":"`+dataA+`","transitive":true,"maxDepth":2,"context":{"sts:ExternalId":"bridge-7f3a"}}`)
	for _, r := range decodeResults(t, st, out).Results {
		if r.Decision != "allowed" {
			t.Fatalf("with the ExternalId known, %s is %s", r.Principal, r.Decision)
		}
	}
}

// can over the stored world: resources of accounts the caller may not read
// are left out; the management account's answer is the CLI's.
func TestAnalysisCan(t *testing.T) {
	e, keys := analysisEnv(t)
	hopper := `{"principal":"arn:aws:iam::111111111111:user/hopper"}`
	st, out := e.analyze(t, keys["auditor"], "can", hopper)
	r := decodeResults(t, st, out)
	if len(r.Results) != 2 || r.Principal != "arn:aws:iam::111111111111:user/hopper" {
		t.Fatalf("management account's can: %s", out)
	}
	sameJSON(t, "can", out, runCLI(t, "can", "--world", analysisWorld, "--principal", "arn:aws:iam::111111111111:user/hopper", "--output", "json"))

	st, out = e.analyze(t, keys["analyst"], "can", hopper)
	r = decodeResults(t, st, out)
	if len(r.Results) != 1 || r.Results[0].Action != "sts:GetCallerIdentity" || strings.Contains(string(out), acctB) {
		t.Fatalf("A's can of hopper shows B's role: %s", out)
	}
	// Services and a resource narrow it; an account ID means its root.
	st, out = e.analyze(t, keys["analyst"], "can", `{"principal":"arn:aws:iam::111111111111:user/reader","services":["s3"],"resource":"`+dataA+`"}`)
	if r = decodeResults(t, st, out); len(r.Results) != 1 || r.Results[0].Action != "s3:GetObject" || r.Results[0].Resource != dataA {
		t.Fatalf("reader on data-a: %s", out)
	}
	st, out = e.analyze(t, keys["analyst"], "can", `{"principal":"111111111111","services":["sts"]}`)
	if r = decodeResults(t, st, out); r.Principal != "arn:aws:iam::111111111111:root" || len(r.Results) == 0 {
		t.Fatalf("account root: %s", out)
	}
}

// allowed-if: an `iamgate eval` document with unknown keys, answered as
// `iamgate eval --unknown KEY --output json` answers it.
func TestAnalysisAllowedIf(t *testing.T) {
	e, keys := analysisEnv(t)
	const file = "../examples/eval/allowed-if/datamasque-assume-target.json"
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	st, out := e.analyze(t, keys["analyst"], "allowed-if", `{"document":`+string(doc)+`,"unknown":["sts:ExternalId"]}`)
	if st != 200 {
		t.Fatalf("%d: %s", st, out)
	}
	cliOut := runCLI(t, "eval", "--output", "json", "--unknown", "sts:ExternalId", file)
	pick := func(data []byte) []byte {
		var m map[string]any
		if err := json.Unmarshal(data, &m); err != nil {
			t.Fatalf("%v: %s", err, data)
		}
		b, _ := json.Marshal([]any{m["decision"], m["unknown"], m["allowedIf"], m["witnesses"], m["allowedIfUnknown"]})
		return b
	}
	sameJSON(t, "allowed-if", pick(out), pick(cliOut))
	contains(t, string(out), `"values":["datamasque-7f3a"]`)

	st, out = e.analyze(t, keys["analyst"], "allowed-if", `{"document":`+string(doc)+`,"unknownContext":true}`)
	if st != 200 || !strings.Contains(string(out), `"sts:ExternalId"`) {
		t.Fatalf("unknownContext: %d %s", st, out)
	}
}

// Every endpoint is authorized by the engine, as the caller, with
// iamgate's own actions: iamgate:WhoCan on the resource, iamgate:Can on the
// principal, iamgate:AllowedIf on "*".
func TestAnalysisAuthorization(t *testing.T) {
	e, keys := analysisEnv(t)
	for _, c := range []struct {
		name, user, op, body string
		allowed              bool
	}{
		{"no permission: who-can", "nobody", "who-can", `{"actions":["s3:GetObject"],"resource":"` + dataA + `"}`, false},
		{"no permission: can", "nobody", "can", `{"principal":"arn:aws:iam::111111111111:user/reader"}`, false},
		{"no permission: allowed-if", "nobody", "allowed-if", `{"document":{"principal":"arn:aws:iam::111111111111:user/x","action":"s3:GetObject"},"unknownContext":true}`, false},
		{"scoped: who-can on its resource", "scoped", "who-can", `{"actions":["s3:GetObject"],"resource":"` + dataA + `"}`, true},
		{"scoped: who-can on another", "scoped", "who-can", `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::other/x"}`, false},
		{"scoped: can on a user", "scoped", "can", `{"principal":"arn:aws:iam::111111111111:user/hopper","services":["sts"]}`, true},
		{"scoped: can on a role", "scoped", "can", `{"principal":"arn:aws:iam::111111111111:role/app","services":["sts"]}`, false},
		{"scoped: explicit deny", "scoped", "can", `{"principal":"arn:aws:iam::111111111111:user/reader","services":["sts"]}`, false},
		{"scoped: allowed-if", "scoped", "allowed-if", `{"document":{"principal":"arn:aws:iam::111111111111:user/x","action":"s3:GetObject"},"unknownContext":true}`, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, out := e.analyze(t, keys[c.user], c.op, c.body)
			if c.allowed {
				decodeResults(t, st, out)
				return
			}
			msg := analysisError(t, st, out)
			if !strings.HasPrefix(msg, "Forbidden AccessDenied User: arn:aws:iam::111111111111:user/"+c.user+" is not authorized to perform: iamgate:") {
				t.Fatalf("got %s", msg)
			}
		})
	}
}

// A caller sees only the accounts it may read: its own; from the
// management account, the organization's (not an account outside it).
func TestAnalysisCrossAccountVisibility(t *testing.T) {
	e, keys := analysisEnv(t)
	denied := "Forbidden AccessDenied Analysis answers only about principals and resources of accounts the caller may read: its own, or, from the organization's management account, the organization's."
	for _, c := range []struct{ name, user, op, body string }{
		{"B asks about A's bucket", "b-analyst", "who-can", `{"actions":["s3:GetObject"],"resource":"` + dataA + `"}`},
		{"A asks about B's role", "analyst", "who-can", `{"actions":["sts:AssumeRole"],"resource":"arn:aws:iam::222222222222:role/bridge"}`},
		{"A asks about a bucket the world does not hold", "analyst", "who-can", `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::nowhere/x"}`},
		{"A asks what B's user can do", "analyst", "can", `{"principal":"arn:aws:iam::222222222222:user/bob"}`},
		{"A asks what B's root can do", "analyst", "can", `{"principal":"222222222222"}`},
		{"B asks what its user can do on A's bucket", "b-analyst", "can", `{"principal":"arn:aws:iam::222222222222:user/bob","resource":"` + dataA + `"}`},
		{"management asks about an account outside the organization", "auditor", "who-can", `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::data-x/y"}`},
		{"management asks about a principal outside the organization", "auditor", "can", `{"principal":"arn:aws:iam::999999999999:user/outsider"}`},
		{"the outside account asks about A", "outsider", "can", `{"principal":"arn:aws:iam::111111111111:user/reader"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, out := e.analyze(t, keys[c.user], c.op, c.body)
			if got := analysisError(t, st, out); got != denied {
				t.Fatalf("got %s", got)
			}
		})
	}
	// The management account sees the members.
	st, out := e.analyze(t, keys["auditor"], "can", `{"principal":"arn:aws:iam::222222222222:user/bob","services":["s3"]}`)
	decodeResults(t, st, out)
}

// No enumeration: a caller learns nothing of which principals and
// resources exist that it may not ask about; the same refusal for what is
// there and for what is not (README "No enumeration"). Where the caller may
// ask, a principal that is not there is NoSuchEntity.
func TestAnalysisEnumerationDeniesAlike(t *testing.T) {
	e, keys := analysisEnv(t)
	for _, c := range []struct {
		name, user, op, present, absent string
	}{
		{"no permission: can, same account", "nobody", "can",
			`{"principal":"arn:aws:iam::111111111111:user/reader"}`, `{"principal":"arn:aws:iam::111111111111:user/ghost"}`},
		{"no permission: who-can, same account", "nobody", "who-can",
			`{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::data-a/k"}`, `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::ghost/k"}`},
		{"scoped: not allowed on roles", "scoped", "can",
			`{"principal":"arn:aws:iam::111111111111:role/app"}`, `{"principal":"arn:aws:iam::111111111111:role/ghost"}`},
		{"another account's user", "analyst", "can",
			`{"principal":"arn:aws:iam::222222222222:user/bob"}`, `{"principal":"arn:aws:iam::222222222222:user/ghost"}`},
		{"another account's role", "analyst", "who-can",
			`{"actions":["sts:AssumeRole"],"resource":"arn:aws:iam::222222222222:role/bridge"}`, `{"actions":["sts:AssumeRole"],"resource":"arn:aws:iam::222222222222:role/ghost"}`},
		{"another account's bucket", "b-analyst", "who-can",
			`{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::data-a/k"}`, `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::ghost/k"}`},
		{"another account's bucket as can's resource", "b-analyst", "can",
			`{"principal":"arn:aws:iam::222222222222:user/bob","resource":"arn:aws:s3:::data-a/k"}`, `{"principal":"arn:aws:iam::222222222222:user/bob","resource":"arn:aws:s3:::ghost/k"}`},
		{"management: an account outside the organization", "auditor", "who-can",
			`{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::data-x/k"}`, `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::ghost/k"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			norm := func(body string) string {
				st, out := e.analyze(t, keys[c.user], c.op, body)
				msg := analysisError(t, st, out)
				for _, n := range []string{"role/app", "user/reader", "user/ghost", "user/bob", "role/bridge", "role/ghost", "data-a", "data-x", "ghost"} {
					msg = strings.ReplaceAll(msg, n, "NAME")
				}
				return msg
			}
			p, a := norm(c.present), norm(c.absent)
			if p != a {
				t.Errorf("what exists and what does not are answered differently:\n present: %s\n absent:  %s", p, a)
			}
			if !strings.HasPrefix(p, "Forbidden AccessDenied") {
				t.Errorf("want AccessDenied (403), got %s", p)
			}
		})
	}
	// Allowed and visible: a missing principal is NoSuchEntity.
	st, out := e.analyze(t, keys["auditor"], "can", `{"principal":"arn:aws:iam::222222222222:user/ghost"}`)
	if got := analysisError(t, st, out); !strings.HasPrefix(got, "Not Found NoSuchEntity") {
		t.Fatalf("missing principal, allowed: %s", got)
	}
}

// Every authenticated analysis call is in the audit log: service
// "analysis", its operation, its outcome and the iamgate decision.
func TestAnalysisAudit(t *testing.T) {
	e, keys := analysisEnv(t)
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	e.analyze(t, keys["analyst"], "who-can", `{"actions":["s3:GetObject"],"resource":"`+dataA+`"}`)
	e.analyze(t, keys["nobody"], "can", `{"principal":"arn:aws:iam::111111111111:user/reader"}`)
	e.analyze(t, keys["b-analyst"], "who-can", `{"actions":["s3:GetObject"],"resource":"`+dataA+`"}`)
	e.analyze(t, keys["analyst"], "allowed-if", "{\"document\":\"\xff\"}")
	entries, err := audit.Query(ctx, e.st, audit.Filter{Since: start})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range entries {
		if en.Service != "analysis" {
			continue
		}
		line := en.Caller + " " + en.Operation + " " + en.Outcome
		for _, d := range en.Decisions {
			line += " [" + d.Action + " " + d.Resource + " " + d.Decision + "]"
		}
		if en.SourceIP != "127.0.0.1" || en.Region != "us-east-1" || en.AccessKey == "" {
			t.Errorf("entry without its source: %+v", en)
		}
		got = append(got, line)
	}
	sort.Strings(got)
	want := []string{
		"arn:aws:iam::111111111111:user/analyst AllowedIf ValidationError",
		"arn:aws:iam::111111111111:user/analyst WhoCan OK [iamgate:WhoCan " + dataA + " allowed]",
		"arn:aws:iam::111111111111:user/nobody Can AccessDenied [iamgate:Can arn:aws:iam::111111111111:user/reader implicitDeny]",
		"arn:aws:iam::222222222222:user/b-analyst WhoCan AccessDenied [iamgate:WhoCan " + dataA + " allowed]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("audit entries:\n got %q\nwant %q", got, want)
	}
}

// Bad input is refused before anything is decided, as AWS-style JSON
// errors.
func TestAnalysisBadInput(t *testing.T) {
	e, keys := analysisEnv(t)
	a := keys["analyst"]
	actions := make([]string, 101)
	for i := range actions {
		actions[i] = `"s3:GetObject"`
	}
	for _, c := range []struct{ name, op, body, want string }{
		{"invalid UTF-8", "who-can", "{\"actions\":[\"s3:GetObject\"],\"resource\":\"arn:aws:s3:::data-a/\xff\"}", "Bad Request ValidationError The request body is not valid UTF-8 text."},
		{"an escaped lone surrogate", "who-can", `{"actions":["s3:GetObject"],"resource":"arn:aws:s3:::data-a/\ud800"}`, "Bad Request ValidationError The request body is not valid UTF-8 text."},
		{"not JSON", "who-can", `actions=s3:GetObject`, "Bad Request ValidationError The request body must be a JSON object."},
		{"an array", "can", `[]`, "Bad Request ValidationError The request body must be a JSON object."},
		{"an unknown field", "who-can", `{"actions":["s3:GetObject"],"resource":"*","principal":"x"}`, `Bad Request ValidationError Unknown field "principal"; the fields are actions, resource, context, transitive, maxDepth, time.`},
		{"a field in another case", "who-can", `{"Actions":["s3:GetObject"],"resource":"*"}`, `Bad Request ValidationError Unknown field "Actions"; the fields are actions, resource, context, transitive, maxDepth, time.`},
		{"a field twice", "who-can", `{"actions":["s3:GetObject"],"resource":"*","resource":"arn:aws:s3:::data-a/k"}`, `Bad Request ValidationError The field "resource" is given twice.`},
		{"two objects", "who-can", `{"actions":["s3:GetObject"],"resource":"*"}{}`, "Bad Request ValidationError The request body holds more than one JSON value."},
		{"a wrong type", "who-can", `{"actions":"s3:GetObject","resource":"*"}`, `Bad Request ValidationError The field "actions" cannot be a JSON string.`},
		{"no actions", "who-can", `{"resource":"*"}`, `Bad Request ValidationError Give "actions": one or more service:Action names.`},
		{"too many actions", "who-can", `{"actions":[` + strings.Join(actions, ",") + `],"resource":"*"}`, "Bad Request ValidationError At most 100 actions, got 101."},
		{"not an action", "who-can", `{"actions":["GetObject"],"resource":"*"}`, `Bad Request ValidationError The action "GetObject" is not service:Action.`},
		{"no resource", "who-can", `{"actions":["s3:GetObject"]}`, `Bad Request ValidationError Give "resource": the resource ARN, or "*" for actions without resource types.`},
		{"not an ARN", "who-can", `{"actions":["s3:GetObject"],"resource":"data-a"}`, `Bad Request ValidationError The resource "data-a" is not an ARN or "*".`},
		{"too deep", "who-can", `{"actions":["s3:GetObject"],"resource":"*","transitive":true,"maxDepth":17}`, `Bad Request ValidationError "maxDepth" is from 1 to 16 (0 means 8).`},
		{"a context object", "who-can", `{"actions":["s3:GetObject"],"resource":"*","context":{"k":{"a":1}}}`, "Bad Request ValidationError context k: values are strings, numbers or booleans"},
		{"no principal", "can", `{}`, `Bad Request ValidationError Give "principal": a user or role ARN, an account root or a service principal.`},
		{"not a principal", "can", `{"principal":"arn:aws:s3:::data-a"}`, `Bad Request ValidationError principal: principal "arn:aws:s3:::data-a": account "" is not a 12-digit account ID`},
		{"a service pattern", "can", `{"principal":"arn:aws:iam::111111111111:user/reader","services":["s3*"]}`, `Bad Request ValidationError The service "s3*" is not a service prefix (such as s3).`},
		{"no document", "allowed-if", `{"unknownContext":true}`, "Bad Request ValidationError Give \"document\": an `iamgate eval` request document."},
		{"no unknown keys", "allowed-if", `{"document":{"action":"s3:GetObject"}}`, `Bad Request ValidationError Give "unknown" (context keys) or "unknownContext": true.`},
	} {
		t.Run(c.name, func(t *testing.T) {
			st, out := e.analyze(t, a, c.op, c.body)
			if got := analysisError(t, st, out); got != c.want {
				t.Fatalf("got  %s\nwant %s", got, c.want)
			}
		})
	}
	// A bad eval document names where it is wrong.
	st, out := e.analyze(t, a, "allowed-if", `{"document":{"action":"s3:GetObject","polices":{}},"unknownContext":true}`)
	if got := analysisError(t, st, out); !strings.HasPrefix(got, "Bad Request ValidationError document:") {
		t.Fatalf("bad document: %s", got)
	}
	// Too large, the wrong method, an unknown path: refused before the
	// signature is read.
	st, out = e.analyze(t, a, "who-can", `{"actions":["s3:GetObject"],"resource":"`+strings.Repeat("x", 4<<20)+`"}`)
	if got := analysisError(t, st, out); got != "Request Entity Too Large RequestEntityTooLarge Request body must be at most 4194304 bytes." {
		t.Fatalf("too large: %s", got)
	}
	r, _ := http.NewRequest(http.MethodGet, e.ts.URL+server.AnalysisPath+"who-can", nil)
	signRequestFor(t, r, nil, a, "iam")
	if st, out := sendJSON(t, r); st != 405 {
		t.Fatalf("GET: %d %s", st, out)
	}
	if st, out := e.analyze(t, a, "what-can", `{}`); st != 404 {
		t.Fatalf("unknown operation: %d %s", st, out)
	}
}

// The analysis API is signed like every call: the body is covered, the
// scope is iam in an aws region.
func TestAnalysisSignature(t *testing.T) {
	e, keys := analysisEnv(t)
	body := `{"actions":["s3:GetObject"],"resource":"` + dataA + `"}`
	url := e.ts.URL + server.AnalysisPath + "who-can"
	req := func(b string) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(b))
		r.Header.Set("Content-Type", "application/json")
		return r
	}
	if st, out := sendJSON(t, req(body)); !strings.HasPrefix(analysisError(t, st, out), "Forbidden MissingAuthenticationToken") {
		t.Fatalf("unsigned: %d %s", st, out)
	}
	// Signed for one body, sent with another.
	r := req(`{"actions":["s3:GetObject"],"resource":"*"}`)
	signRequestFor(t, r, []byte(body), keys["analyst"], "iam")
	if st, out := sendJSON(t, r); !strings.HasPrefix(analysisError(t, st, out), "Forbidden SignatureDoesNotMatch") {
		t.Fatalf("swapped body: %d %s", st, out)
	}
	// Signed for sts.
	r = req(body)
	signRequestFor(t, r, []byte(body), keys["analyst"], "sts")
	if st, out := sendJSON(t, r); analysisError(t, st, out) != "Forbidden SignatureDoesNotMatch Credential should be scoped to correct service: 'iam'. " {
		t.Fatalf("sts scope: %d %s", st, out)
	}
	// A key that does not exist.
	r = req(body)
	signRequestFor(t, r, []byte(body), aws.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "x"}, "iam")
	if st, out := sendJSON(t, r); !strings.HasPrefix(analysisError(t, st, out), "Forbidden InvalidClientTokenId") {
		t.Fatalf("unknown key: %d %s", st, out)
	}
}

// End to end with curl's own SigV4 signing, as the README's example runs.
func TestAnalysisWithCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		needClients(t, "curl is not installed")
	}
	e, keys := analysisEnv(t)
	script, _ := filepath.Abs("testdata/e2e/curl-analysis.sh")
	cmd := exec.Command("bash", script)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "IAMGATE_URL="+e.ts.URL,
		"AWS_ACCESS_KEY_ID="+keys["analyst"].AccessKeyID, "AWS_SECRET_ACCESS_KEY="+keys["analyst"].SecretAccessKey,
		"NOBODY_KEY="+keys["nobody"].AccessKeyID+":"+keys["nobody"].SecretAccessKey)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasSuffix(strings.TrimSpace(string(out)), "OK") {
		t.Fatalf("%v\n%s", err, out)
	}
}

// BenchmarkAnalysisAPI is one question through the analysis API as iamgate
// serve answers it (SigV4 verified, iamgate action authorized, the index
// built over the stored world, the analysis, visibility, JSON, the audit
// entry), one signed request replayed.
func BenchmarkAnalysisAPI(b *testing.B) {
	for _, c := range []struct{ name, user, op, body string }{
		{"WhoCanTransitive/management", "auditor", "who-can", `{"actions":["s3:GetObject"],"resource":"` + dataA + `","transitive":true}`},
		{"WhoCanTransitive/member", "analyst", "who-can", `{"actions":["s3:GetObject"],"resource":"` + dataA + `","transitive":true}`},
		{"Can/member", "analyst", "can", `{"principal":"arn:aws:iam::111111111111:user/hopper"}`},
		{"AllowedIf", "analyst", "allowed-if", `{"unknown":["aws:MultiFactorAuthPresent"],"document":{"principal":"arn:aws:iam::111111111111:user/x","action":"ec2:TerminateInstances","resource":"*",` +
			`"policies":{"identity":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:TerminateInstances","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}]}}}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			e, keys := analysisEnv(b)
			ctx := context.Background()
			req, _ := http.NewRequest(http.MethodPost, e.ts.URL+server.AnalysisPath+c.op, strings.NewReader(c.body))
			signRequestFor(b, req, []byte(c.body), keys[c.user], "iam")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				r := req.Clone(ctx)
				r.Body = io.NopCloser(strings.NewReader(c.body))
				r.RemoteAddr = "127.0.0.1:4242"
				w := httptest.NewRecorder()
				e.srv.ServeHTTP(w, r)
				if w.Code != 200 {
					b.Fatalf("%d: %s", w.Code, w.Body)
				}
			}
		})
	}
}
