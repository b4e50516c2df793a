package server_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/iamgate/iamgate/server"
)

type decision struct {
	Decision    string `json:"decision"`
	Explanation struct {
		Reason    string
		DecidedBy struct{ Layer string }
	} `json:"explanation"`
	Error *struct{ Code, Message string } `json:"error"`
}

func (e *env) authorize(t *testing.T, c aws.Credentials, body string) (int, []byte) {
	t.Helper()
	r := signed(t, e.ts.URL+server.DecisionPath, body, c, time.Now())
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// The decision API answers the `iamgate eval` document, questions about the
// stored world, and batches of both, as JSON.
func TestDecisionAPI(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("reader"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(e.iam(e.admin).PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("reader"), PolicyName: aws.String("s3"), PolicyDocument: aws.String(allowS3)}))

	// A question about the world.
	status, body := e.authorize(t, e.admin, `{"principal":"arn:aws:iam::123456789012:role/reader","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}`)
	var d decision
	if err := json.Unmarshal(body, &d); err != nil || status != 200 || d.Decision != "allowed" {
		t.Fatalf("world question: %d %s", status, body)
	}
	// An eval document: the DataMasque seed, denied by the bucket's TLS rule.
	doc, err := os.ReadFile("../examples/eval/datamasque-cross-account.json")
	if err != nil {
		t.Fatal(err)
	}
	status, body = e.authorize(t, e.admin, `{"document":`+string(doc)+`}`)
	if err := json.Unmarshal(body, &d); err != nil || status != 200 || d.Decision != "explicitDeny" || d.Explanation.DecidedBy.Layer != "resource" {
		t.Fatalf("document: %d %s", status, body)
	}
	// A batch, answered in order, with a bad question among them.
	status, body = e.authorize(t, e.admin, `{"requests":[
		{"principal":"arn:aws:iam::123456789012:role/reader","action":"s3:PutObject","resource":"arn:aws:s3:::b/k"},
		{"principal":"arn:aws:iam::123456789012:role/nobody","action":"s3:GetObject"},
		{"document":`+string(doc)+`}]}`)
	var batch struct{ Results []decision }
	if err := json.Unmarshal(body, &batch); err != nil || status != 200 || len(batch.Results) != 3 {
		t.Fatalf("batch: %d %s", status, body)
	}
	if batch.Results[0].Decision != "implicitDeny" || batch.Results[1].Error == nil || batch.Results[1].Error.Code != "NoSuchEntity" || batch.Results[2].Decision != "explicitDeny" {
		t.Fatalf("batch results: %s", body)
	}
	// A caller without iam:SimulatePrincipalPolicy is refused; unsigned
	// requests are too.
	u := e.newUser("app", "")
	status, body = e.authorize(t, u, `{"principal":"arn:aws:iam::123456789012:role/reader","action":"s3:GetObject"}`)
	if err := json.Unmarshal(body, &d); err != nil || status != 403 || d.Error == nil || d.Error.Code != "AccessDenied" {
		t.Fatalf("unauthorized caller: %d %s", status, body)
	}
	res, err := http.Post(e.ts.URL+server.DecisionPath, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 {
		t.Fatalf("unsigned: %d", res.StatusCode)
	}
}
