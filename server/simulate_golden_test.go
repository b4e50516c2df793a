package server_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// goldenForms records the bytes of a series of Query requests, successes
// and errors alike, in one golden file, so that a change to the handlers
// that changes what they write shows up (issue 17: the typed handlers
// write what the untyped ones wrote, unless that was wrong against the
// model).
type goldenForms struct {
	t   *testing.T
	e   *env
	out bytes.Buffer
}

var (
	jobIDRe    = regexp.MustCompile(`<JobId>[^<]*</JobId>`)
	entityIDRe = regexp.MustCompile(`<Id>[^<]*</Id>`)
	encodedRe  = regexp.MustCompile(`Encoded authorization failure message: [^<]*`)
)

// call sends form, signed by c, records its status and normalized body
// under name, and returns the body as sent.
func (g *goldenForms) call(name string, c aws.Credentials, form url.Values) []byte {
	g.t.Helper()
	form.Set("Version", "2010-05-08")
	res, err := http.DefaultClient.Do(signed(g.t, g.e.ts.URL, form.Encode(), c, time.Now()))
	if err != nil {
		g.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		g.t.Fatal(err)
	}
	b := normalizeXML(body)
	b = jobIDRe.ReplaceAll(b, []byte("<JobId>JOB-ID</JobId>"))
	b = entityIDRe.ReplaceAll(b, []byte("<Id>ID</Id>"))
	b = encodedRe.ReplaceAll(b, []byte("Encoded authorization failure message: ENCODED"))
	fmt.Fprintf(&g.out, "## %s: %d\n%s\n", name, res.StatusCode, b)
	return body
}

func goldenForm(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// The simulator's answers (the IAM API Reference, SimulateCustomPolicy,
// SimulatePrincipalPolicy, GetContextKeysForCustomPolicy,
// GetContextKeysForPrincipalPolicy; output shapes SimulatePolicyResponse
// and GetContextKeysForPolicyResponse of the botocore model iam/2010-05-08),
// byte for byte, and its errors.
func TestSimulatorAnswersGolden(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	g := &goldenForms{t: t, e: e}
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"*\",\n" +
		"      \"Condition\": {\"StringEquals\": {\"s3:prefix\": \"home/\"}}\n    },\n    {\"Effect\": \"Deny\", \"Action\": \"s3:DeleteObject\", \"Resource\": \"*\"}\n  ]\n}"
	ec2 := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:RunInstances","Resource":"*"}]}`
	bnd := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}`
	rp := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ana"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::bucket/*"}]}`

	g.call("custom, two resources, a page", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", doc,
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:DeleteObject", "ActionNames.member.3", "s3:PutObject",
		"ResourceArns.member.1", "arn:aws:s3:::bucket/a", "ResourceArns.member.2", "arn:aws:s3:::bucket/b", "MaxItems", "4"))
	g.call("custom, the next page", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", doc,
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:DeleteObject", "ActionNames.member.3", "s3:PutObject",
		"ResourceArns.member.1", "arn:aws:s3:::bucket/a", "ResourceArns.member.2", "arn:aws:s3:::bucket/b", "MaxItems", "4", "Marker", "4"))
	g.call("custom, boundary, resource policy and context", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", doc,
		"PermissionsBoundaryPolicyInputList.member.1", bnd, "ResourcePolicy", rp, "CallerArn", "arn:aws:iam::123456789012:user/ana",
		"ResourceOwner", "arn:aws:iam::123456789012:root",
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:PutObject", "ResourceArns.member.1", "arn:aws:s3:::bucket/k",
		"ContextEntries.member.1.ContextKeyName", "aws:SourceIp", "ContextEntries.member.1.ContextKeyType", "ip", "ContextEntries.member.1.ContextKeyValues.member.1", "10.1.2.3",
		"ContextEntries.member.2.ContextKeyName", "s3:prefix", "ContextEntries.member.2.ContextKeyType", "string", "ContextEntries.member.2.ContextKeyValues.member.1", "home/"))
	g.call("custom, URL-encoded document", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", url.QueryEscape(ec2),
		"ActionNames.member.1", "ec2:RunInstances"))
	g.call("custom, an EC2 scenario", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2,
		"ActionNames.member.1", "ec2:RunInstances", "ResourceHandlingOption", "EC2-Classic-InstanceStore",
		"ResourceArns.member.1", "arn:aws:ec2:us-east-1:123456789012:instance/*", "ResourceArns.member.2", "arn:aws:ec2:us-east-1::image/ami-1",
		"ResourceArns.member.3", "arn:aws:ec2:us-east-1:123456789012:security-group/sg-1"))
	g.call("custom, a scenario without its resources", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2,
		"ActionNames.member.1", "ec2:RunInstances", "ResourceHandlingOption", "EC2-VPC-EBS", "ResourceArns.member.1", "arn:aws:ec2:us-east-1:123456789012:instance/*"))
	g.call("custom, an unknown scenario", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2,
		"ActionNames.member.1", "ec2:RunInstances", "ResourceHandlingOption", "EC2-Mars"))
	g.call("custom, no actions", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2, "ActionNames", ""))
	g.call("custom, no policies", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList", "", "ActionNames.member.1", "s3:GetObject"))
	g.call("custom, a malformed policy", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", `{"Statement":`, "ActionNames.member.1", "s3:GetObject"))
	g.call("custom, two boundaries", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2, "ActionNames.member.1", "s3:GetObject",
		"PermissionsBoundaryPolicyInputList.member.1", bnd, "PermissionsBoundaryPolicyInputList.member.2", bnd))
	g.call("custom, a bad marker", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2, "ActionNames.member.1", "s3:GetObject", "Marker", "9"))
	g.call("custom, a context entry without a name", e.admin, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2, "ActionNames.member.1", "s3:GetObject",
		"ContextEntries.member.1.ContextKeyType", "string"))

	// A user in a group, with inline and managed policies.
	must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("ana"), Path: aws.String("/team/")}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}))
	must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String("ana")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("ana"), PolicyName: aws.String("own"), PolicyDocument: aws.String(doc)}))
	must[*iam.PutGroupPolicyOutput](t)(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("ec2"), PolicyDocument: aws.String(ec2)}))
	mp := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("tags"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:TagUser","Resource":"*","Condition":{"StringLike":{"aws:RequestTag/team":"*"}}}]}`)}))
	must[*iam.AttachUserPolicyOutput](t)(c.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("ana"), PolicyArn: mp.Policy.Arn}))
	must[*iam.AttachGroupPolicyOutput](t)(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}))
	ana := "arn:aws:iam::123456789012:user/team/ana"

	g.call("principal, a user", e.admin, goldenForm("Action", "SimulatePrincipalPolicy", "PolicySourceArn", ana,
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "ec2:RunInstances", "ActionNames.member.3", "iam:TagUser", "ActionNames.member.4", "s3:DeleteObject",
		"ActionNames.member.5", "iam:GetUser"))
	g.call("principal, with input policies and a boundary", e.admin, goldenForm("Action", "SimulatePrincipalPolicy", "PolicySourceArn", ana,
		"PolicyInputList.member.1", ec2, "PermissionsBoundaryPolicyInputList.member.1", bnd, "ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "ec2:RunInstances",
		"ContextEntries.member.1.ContextKeyName", "s3:prefix", "ContextEntries.member.1.ContextKeyValues.member.1", "home/"))
	g.call("principal, a group", e.admin, goldenForm("Action", "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::123456789012:group/devs",
		"ActionNames.member.1", "ec2:RunInstances"))
	g.call("principal, a group with a resource policy and no caller", e.admin, goldenForm("Action", "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::123456789012:group/devs",
		"ActionNames.member.1", "s3:PutObject", "ResourcePolicy", rp))
	g.call("principal, no such entity", e.admin, goldenForm("Action", "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:iam::123456789012:user/nobody",
		"ActionNames.member.1", "s3:GetObject"))

	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("etl"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("etl"), PolicyName: aws.String("s3"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)}))
	g.call("principal, a role session with a session policy", e.admin, goldenForm("Action", "SimulatePrincipalPolicy", "PolicySourceArn", "arn:aws:sts::123456789012:assumed-role/etl/nightly",
		"ActionNames.member.1", "s3:GetObject", "ActionNames.member.2", "s3:DeleteObject",
		"SessionPolicyInputList.member.1", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`))

	g.call("context keys, custom", e.admin, goldenForm("Action", "GetContextKeysForCustomPolicy", "PolicyInputList.member.1", doc, "PolicyInputList.member.2", bnd))
	g.call("context keys, custom, none", e.admin, goldenForm("Action", "GetContextKeysForCustomPolicy", "PolicyInputList.member.1", ec2))
	g.call("context keys, custom, no policies", e.admin, goldenForm("Action", "GetContextKeysForCustomPolicy", "PolicyInputList", ""))
	g.call("context keys, custom, a malformed policy", e.admin, goldenForm("Action", "GetContextKeysForCustomPolicy", "PolicyInputList.member.1", "{"))
	g.call("context keys, a principal", e.admin, goldenForm("Action", "GetContextKeysForPrincipalPolicy", "PolicySourceArn", ana, "PolicyInputList.member.1", bnd))
	g.call("context keys, a role", e.admin, goldenForm("Action", "GetContextKeysForPrincipalPolicy", "PolicySourceArn", "arn:aws:iam::123456789012:role/etl"))
	g.call("context keys, no such entity", e.admin, goldenForm("Action", "GetContextKeysForPrincipalPolicy", "PolicySourceArn", "arn:aws:iam::123456789012:role/nobody"))

	// A caller without the simulator's permissions learns nothing.
	nobody := e.newUser("nobody", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	g.call("denied, custom", nobody, goldenForm("Action", "SimulateCustomPolicy", "PolicyInputList.member.1", ec2, "ActionNames.member.1", "s3:GetObject"))
	g.call("denied, principal", nobody, goldenForm("Action", "SimulatePrincipalPolicy", "PolicySourceArn", ana, "ActionNames.member.1", "s3:GetObject"))
	g.call("denied, context keys custom", nobody, goldenForm("Action", "GetContextKeysForCustomPolicy", "PolicyInputList.member.1", ec2))
	g.call("denied, context keys principal", nobody, goldenForm("Action", "GetContextKeysForPrincipalPolicy", "PolicySourceArn", ana))

	golden(t, "iam-simulator.golden", g.out.Bytes())
}

// Access advisor's answers (the IAM API Reference,
// GenerateServiceLastAccessedDetails, GetServiceLastAccessedDetails,
// GetServiceLastAccessedDetailsWithEntities,
// ListPoliciesGrantingServiceAccess; their output shapes in the botocore
// model iam/2010-05-08), byte for byte, and their errors.
func TestAccessAdvisorAnswersGolden(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	g := &goldenForms{t: t, e: e}
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("db"), Path: aws.String("/ops/"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("db"), PolicyName: aws.String("job"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","s3:Get*","iam:List*"],"Resource":"*"}]}`)}))
	mp := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("kms"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`)}))
	must[*iam.AttachRolePolicyOutput](t)(c.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("db"), PolicyArn: mp.Policy.Arn}))
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("empty"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.CreateGroupOutput](t)(c.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("devs")}))
	must[*iam.PutGroupPolicyOutput](t)(c.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("devs"), PolicyName: aws.String("iam"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:Get*","Resource":"*"}]}`)}))
	must[*iam.AttachGroupPolicyOutput](t)(c.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("devs"), PolicyArn: mp.Policy.Arn}))
	for _, u := range []string{"ana", "bo"} {
		must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(u)}))
		must[*iam.AddUserToGroupOutput](t)(c.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("devs"), UserName: aws.String(u)}))
	}
	out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/ops/db"), RoleSessionName: aws.String("job")}))
	db := e.iam(session(out.Credentials))
	must[*iam.ListRolesOutput](t)(db.ListRoles(ctx, &iam.ListRolesInput{}))
	must[*iam.ListUsersOutput](t)(db.ListUsers(ctx, &iam.ListUsersInput{}))

	jobOf := func(body []byte) string {
		m := regexp.MustCompile(`<JobId>([^<]*)</JobId>`).FindSubmatch(body)
		if m == nil {
			t.Fatalf("no job: %s", body)
		}
		return string(m[1])
	}
	role := "arn:aws:iam::123456789012:role/ops/db"
	action := jobOf(g.call("generate, a role, action level", e.admin, goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", role, "Granularity", "ACTION_LEVEL")))
	service := jobOf(g.call("generate, a role", e.admin, goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", role)))
	group := jobOf(g.call("generate, a group", e.admin, goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", "arn:aws:iam::123456789012:group/devs")))
	policy := jobOf(g.call("generate, a policy", e.admin, goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", *mp.Policy.Arn)))
	empty := jobOf(g.call("generate, a role with no policies", e.admin, goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", "arn:aws:iam::123456789012:role/empty")))
	g.call("generate, no such entity", e.admin, goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", "arn:aws:iam::123456789012:role/nobody"))

	g.call("get, action level", e.admin, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", action))
	g.call("get, service level, a page", e.admin, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", service, "MaxItems", "2"))
	g.call("get, service level, the next page", e.admin, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", service, "MaxItems", "2", "Marker", "iam"))
	g.call("get, a group", e.admin, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", group))
	g.call("get, a policy", e.admin, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", policy))
	g.call("get, no services", e.admin, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", empty))
	g.call("get, no such job", e.admin, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", "00000000-0000-0000-0000-000000000000"))

	g.call("entities, a role, a service used", e.admin, goldenForm("Action", "GetServiceLastAccessedDetailsWithEntities", "JobId", action, "ServiceNamespace", "iam"))
	g.call("entities, a role, a service not used", e.admin, goldenForm("Action", "GetServiceLastAccessedDetailsWithEntities", "JobId", action, "ServiceNamespace", "s3"))
	g.call("entities, a group, a page", e.admin, goldenForm("Action", "GetServiceLastAccessedDetailsWithEntities", "JobId", group, "ServiceNamespace", "kms", "MaxItems", "1"))
	g.call("entities, a policy", e.admin, goldenForm("Action", "GetServiceLastAccessedDetailsWithEntities", "JobId", policy, "ServiceNamespace", "kms"))
	g.call("entities, no entities", e.admin, goldenForm("Action", "GetServiceLastAccessedDetailsWithEntities", "JobId", jobOf(g.call("generate, a policy on nothing", e.admin,
		goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", "arn:aws:iam::aws:policy/ReadOnlyAccess"))), "ServiceNamespace", "s3"))
	g.call("entities, no such job", e.admin, goldenForm("Action", "GetServiceLastAccessedDetailsWithEntities", "JobId", "00000000-0000-0000-0000-000000000000", "ServiceNamespace", "s3"))

	g.call("granting, a role", e.admin, goldenForm("Action", "ListPoliciesGrantingServiceAccess", "Arn", role,
		"ServiceNamespaces.member.1", "kms", "ServiceNamespaces.member.2", "ec2", "ServiceNamespaces.member.3", "dynamodb"))
	g.call("granting, a user in a group", e.admin, goldenForm("Action", "ListPoliciesGrantingServiceAccess", "Arn", "arn:aws:iam::123456789012:user/ana",
		"ServiceNamespaces.member.1", "iam", "ServiceNamespaces.member.2", "kms"))
	g.call("granting, no such entity", e.admin, goldenForm("Action", "ListPoliciesGrantingServiceAccess", "Arn", "arn:aws:iam::123456789012:user/nobody", "ServiceNamespaces.member.1", "iam"))

	nobody := e.newUser("nobody", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:GetUser","Resource":"*"}]}`)
	g.call("denied, generate", nobody, goldenForm("Action", "GenerateServiceLastAccessedDetails", "Arn", role))
	g.call("denied, get", nobody, goldenForm("Action", "GetServiceLastAccessedDetails", "JobId", action))
	g.call("denied, entities", nobody, goldenForm("Action", "GetServiceLastAccessedDetailsWithEntities", "JobId", action, "ServiceNamespace", "iam"))
	g.call("denied, granting", nobody, goldenForm("Action", "ListPoliciesGrantingServiceAccess", "Arn", role, "ServiceNamespaces.member.1", "iam"))

	golden(t, "iam-accessadvisor.golden", g.out.Bytes())
}
