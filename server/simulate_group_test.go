package server_test

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// A group's ARN simulates the group's policies ("If you specify a user,
// group, or role, the simulation includes all policies that are associated
// with that entity"), and a group with a ResourcePolicy needs a CallerArn
// ("CallerArn is required if you include a ResourcePolicy and the
// PolicySourceArn is not the ARN for an IAM user"): the IAM API Reference,
// SimulatePrincipalPolicy. Inline policies are named by their policy name
// and typed by their holder (the SourcePolicyType enum: user, group, role,
// aws-managed, user-managed, resource, none).
func TestSimulateGroup(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs"), Path: aws.String("/eng/")}))
	must[*iam.PutGroupPolicyOutput](t)(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("read"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)}))
	must[*iam.AttachGroupPolicyOutput](t)(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"),
		PolicyArn: aws.String("arn:aws:iam::aws:policy/AmazonSQSReadOnlyAccess")}))
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("dana")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("dana")}))

	group := "arn:aws:iam::123456789012:group/eng/devs"
	out := must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String(group), ActionNames: []string{"s3:GetObject", "sqs:ListQueues", "s3:PutObject"}}))
	want := []iamtypes.PolicyEvaluationDecisionType{"allowed", "allowed", "implicitDeny"}
	for i, r := range out.EvaluationResults {
		if r.EvalDecision != want[i] {
			t.Errorf("%s: %s, want %s", aws.ToString(r.EvalActionName), r.EvalDecision, want[i])
		}
	}
	ms := out.EvaluationResults[0].MatchedStatements
	if len(ms) != 1 || aws.ToString(ms[0].SourcePolicyId) != "read" || ms[0].SourcePolicyType != iamtypes.PolicySourceTypeGroup {
		t.Fatalf("group inline statement: %+v", ms)
	}
	if ms := out.EvaluationResults[1].MatchedStatements; len(ms) == 0 || ms[0].SourcePolicyType != iamtypes.PolicySourceTypeAwsManaged {
		t.Fatalf("AWS managed statement: %+v", ms)
	}
	// A member sees the group's inline policy typed "group" too.
	out = must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{
		PolicySourceArn: aws.String("arn:aws:iam::123456789012:user/dana"), ActionNames: []string{"s3:GetObject"}}))
	if ms := out.EvaluationResults[0].MatchedStatements; len(ms) != 1 || ms[0].SourcePolicyType != iamtypes.PolicySourceTypeGroup {
		t.Fatalf("member: %+v", ms)
	}

	bucket := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/dana"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`
	var ae smithy.APIError
	_, err := c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(group), ActionNames: []string{"s3:GetObject"},
		ResourceArns: []string{"arn:aws:s3:::b/k"}, ResourcePolicy: aws.String(bucket)})
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidInput" {
		t.Fatalf("group with a resource policy and no CallerArn: %v", err)
	}
	out = must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String(group),
		ActionNames: []string{"s3:GetObject"}, ResourceArns: []string{"arn:aws:s3:::b/k"}, ResourcePolicy: aws.String(bucket),
		CallerArn: aws.String("arn:aws:iam::123456789012:user/dana")}))
	if r := out.EvaluationResults[0]; r.EvalDecision != iamtypes.PolicyEvaluationDecisionTypeExplicitDeny {
		t.Fatalf("the bucket denies dana: %+v", r)
	}
	_, err = c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: aws.String("arn:aws:iam::123456789012:group/devs"), ActionNames: []string{"s3:GetObject"}})
	if !errors.As(err, &ae) || ae.ErrorCode() != "NoSuchEntity" {
		t.Fatalf("group ARN without its path: %v", err)
	}
}

// SessionPolicyInputList.member.N is iamgate's own parameter: session
// policies limit the simulated principal as AssumeRole's Policy does (the
// IAM User Guide, "Session policies": the session's permissions are the
// intersection of the identity-based policies and the session policies).
// The SDKs do not send it (the botocore model has no such member), so this
// test signs the form itself, as `curl --aws-sigv4` does.
func TestSimulateSessionPolicies(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}))
	simulate := func(extra url.Values) []string {
		form := url.Values{"Action": {"SimulatePrincipalPolicy"}, "Version": {"2010-05-08"},
			"PolicySourceArn":      {"arn:aws:sts::123456789012:assumed-role/worker/job-7"},
			"ActionNames.member.1": {"s3:GetObject"}, "ActionNames.member.2": {"s3:PutObject"}}
		for k, v := range extra {
			form[k] = v
		}
		res, err := http.DefaultClient.Do(signed(t, e.ts.URL, form.Encode(), e.admin, time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%d: %s", res.StatusCode, body)
		}
		var v struct {
			Results []struct {
				Decision string `xml:"EvalDecision"`
			} `xml:"SimulatePrincipalPolicyResult>EvaluationResults>member"`
		}
		if err := xml.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range v.Results {
			out = append(out, r.Decision)
		}
		return out
	}
	if got := simulate(nil); len(got) != 2 || got[0] != "allowed" || got[1] != "allowed" {
		t.Fatalf("without a session policy: %v", got)
	}
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	if got := simulate(url.Values{"SessionPolicyInputList.member.1": {readOnly}}); len(got) != 2 || got[0] != "allowed" || got[1] != "implicitDeny" {
		t.Fatalf("with a read-only session policy: %v", got)
	}
	res, err := http.DefaultClient.Do(signed(t, e.ts.URL, url.Values{"Action": {"SimulatePrincipalPolicy"}, "Version": {"2010-05-08"},
		"PolicySourceArn": {"arn:aws:iam::123456789012:role/worker"}, "ActionNames.member.1": {"s3:GetObject"},
		"SessionPolicyInputList.member.1": {`{"Statement":`}}.Encode(), e.admin, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 400 {
		t.Fatalf("a malformed session policy: %d", res.StatusCode)
	}
}
