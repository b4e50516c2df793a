package server_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/iamgate/iamgate/api/query"
	"github.com/iamgate/iamgate/engine"
	"github.com/iamgate/iamgate/world"
)

// The seeds' flows, replayed through aws-sdk-go-v2 against the server.

// newUser creates a user with an inline policy and an access key.
func (e *env) newUser(name, policy string, tags ...iamtypes.Tag) aws.Credentials {
	e.t.Helper()
	ctx := context.Background()
	admin := e.iam(e.admin)
	must[*iam.CreateUserOutput](e.t)(admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String(name), Tags: tags}))
	if policy != "" {
		must[*iam.PutUserPolicyOutput](e.t)(admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(policy)}))
	}
	k := must[*iam.CreateAccessKeyOutput](e.t)(admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String(name)}))
	return aws.Credentials{AccessKeyID: *k.AccessKey.AccessKeyId, SecretAccessKey: *k.AccessKey.SecretAccessKey}
}

func session(c *ststypes.Credentials) aws.Credentials {
	return aws.Credentials{AccessKeyID: *c.AccessKeyId, SecretAccessKey: *c.SecretAccessKey, SessionToken: *c.SessionToken}
}

// The permissions-boundary seed (IAM User Guide, "Permissions boundaries
// for IAM entities"; the delegation example): an employee may create
// MyTestApp* roles only with the DynamoDB_Boundary_Frankfurt boundary.
func TestSeedBoundaryDelegation(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	bnd := must[*iam.CreatePolicyOutput](t)(admin.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("DynamoDB_Boundary_Frankfurt"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"dynamodb:*","Resource":"arn:aws:dynamodb:eu-central-1:123456789012:table/MyTestApp_DDB_Table"}]}`)}))
	boundaryARN := *bnd.Policy.Arn
	if boundaryARN != "arn:aws:iam::123456789012:policy/DynamoDB_Boundary_Frankfurt" || *bnd.Policy.DefaultVersionId != "v1" {
		t.Fatalf("policy: %+v", bnd.Policy)
	}
	employee := e.iam(e.newUser("employee", `{"Version":"2012-10-17","Statement":[
		{"Sid":"SetPermissionsBoundary","Effect":"Allow","Action":["iam:CreateRole","iam:AttachRolePolicy","iam:DetachRolePolicy"],
		 "Resource":"arn:aws:iam::123456789012:role/MyTestApp*",
		 "Condition":{"StringEquals":{"iam:PermissionsBoundary":"`+boundaryARN+`"}}},
		{"Sid":"CreateAndEditPermissionsPolicy","Effect":"Allow","Action":["iam:CreatePolicy","iam:CreatePolicyVersion"],"Resource":"*"}]}`))

	// With the boundary: allowed.
	out := must[*iam.CreateRoleOutput](t)(employee.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("MyTestAppRole"),
		AssumeRolePolicyDocument: aws.String(trustAccount), PermissionsBoundary: aws.String(boundaryARN)}))
	if out.Role.PermissionsBoundary == nil || *out.Role.PermissionsBoundary.PermissionsBoundaryArn != boundaryARN {
		t.Fatalf("role boundary: %+v", out.Role.PermissionsBoundary)
	}
	// Without it: AccessDenied, in AWS's words.
	_, err := employee.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("MyTestAppRole2"), AssumeRolePolicyDocument: aws.String(trustAccount)})
	msg := wantError(t, err, "AccessDenied", 403)
	want := "User: arn:aws:iam::123456789012:user/employee is not authorized to perform: iam:CreateRole on resource: arn:aws:iam::123456789012:role/MyTestAppRole2 because no identity-based policy allows the iam:CreateRole action"
	if msg != want {
		t.Fatalf("message:\n got %s\nwant %s", msg, want)
	}
	// Another boundary, or another role name: denied too.
	_, err = employee.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("MyTestAppRole3"), AssumeRolePolicyDocument: aws.String(trustAccount),
		PermissionsBoundary: aws.String("arn:aws:iam::aws:policy/AdministratorAccess")})
	wantError(t, err, "AccessDenied", 403)
	_, err = employee.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Other"), AssumeRolePolicyDocument: aws.String(trustAccount), PermissionsBoundary: aws.String(boundaryARN)})
	wantError(t, err, "AccessDenied", 403)
	// The employee's own policy may be attached to its role, whose
	// boundary still caps it.
	pol := must[*iam.CreatePolicyOutput](t)(employee.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("MyTestAppPolicy"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["dynamodb:*","s3:*"],"Resource":"*"}]}`)}))
	must[*iam.AttachRolePolicyOutput](t)(employee.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String("MyTestAppRole"), PolicyArn: pol.Policy.Arn}))
	w := e.srv.State().World()
	c, err := w.Caller("arn:aws:iam::123456789012:role/MyTestAppRole")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action, resource string
		allowed          bool
	}{
		{"dynamodb:GetItem", "arn:aws:dynamodb:eu-central-1:123456789012:table/MyTestApp_DDB_Table", true},
		{"s3:GetObject", "arn:aws:s3:::any/x", false},
	} {
		ex, err := w.Decide(world.Request{Caller: c, Action: tc.action, Resource: tc.resource})
		if err != nil {
			t.Fatal(err)
		}
		if (ex.Decision == engine.Allowed) != tc.allowed {
			t.Errorf("%s: %s", tc.action, ex.Decision)
		}
	}
}

// Seed 004, production and staging: StageRole in production trusts the
// staging account; StageAdmin assumes it and uses a profile of temporary
// credentials.
func TestSeedStageRoleAssumeRole(t *testing.T) {
	ctx := context.Background()
	fw, err := world.LoadFile("../examples/prod-staging-s3/world.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	// The seed's two accounts join the bootstrapped one.
	for _, a := range fw.ToFile().Accounts {
		if qe := e.srv.State().UpdateAccount(ctx, a.ID, func(fa *world.FileAccount) *query.Error { *fa = a; return nil }); qe != nil {
			t.Fatal(qe)
		}
	}
	stageAdminKey, err := e.srv.Keys().CreateAccessKey(ctx, "444455556666", "StageAdmin")
	if err != nil {
		t.Fatal(err)
	}
	stageAdmin := aws.Credentials{AccessKeyID: stageAdminKey.ID, SecretAccessKey: stageAdminKey.Secret}
	id := must[*sts.GetCallerIdentityOutput](t)(e.sts(stageAdmin).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:iam::444455556666:user/StageAdmin" || *id.Account != "444455556666" {
		t.Fatalf("identity: %s %s", *id.Arn, *id.Account)
	}
	out := must[*sts.AssumeRoleOutput](t)(e.sts(stageAdmin).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111122223333:role/StageRole"), RoleSessionName: aws.String("stage-admin")}))
	if *out.AssumedRoleUser.Arn != "arn:aws:sts::111122223333:assumed-role/StageRole/stage-admin" {
		t.Fatalf("assumed: %s", *out.AssumedRoleUser.Arn)
	}
	prof := session(out.Credentials)
	id = must[*sts.GetCallerIdentityOutput](t)(e.sts(prof).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}))
	if *id.Arn != "arn:aws:sts::111122223333:assumed-role/StageRole/stage-admin" || *id.Account != "111122223333" {
		t.Fatalf("session identity: %s", *id.Arn)
	}
	// The role has no IAM permissions: the session is refused, in AWS's words.
	_, err = e.iam(prof).ListRoles(ctx, &iam.ListRolesInput{})
	msg := wantError(t, err, "AccessDenied", 403)
	contains(t, msg, "User: arn:aws:sts::111122223333:assumed-role/StageRole/stage-admin is not authorized to perform: iam:ListRoles")
	// StageDeveloper has no sts:AssumeRole: denied, and the trust policy alone
	// does not let another account in.
	devKey, _ := e.srv.Keys().CreateAccessKey(ctx, "444455556666", "StageDeveloper")
	_, err = e.sts(aws.Credentials{AccessKeyID: devKey.ID, SecretAccessKey: devKey.Secret}).AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn: aws.String("arn:aws:iam::111122223333:role/StageRole"), RoleSessionName: aws.String("dev")})
	msg = wantError(t, err, "AccessDenied", 403)
	contains(t, msg, "is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111122223333:role/StageRole")
	// Role chaining caps the session at one hour (the IAM User Guide, "Role
	// chaining").
	must[*iam.CreateRoleOutput](t)(e.iam(e.admin).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("Chained"), MaxSessionDuration: aws.Int32(7200),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`)}))
	_, err = e.sts(prof).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/Chained"), RoleSessionName: aws.String("chained"), DurationSeconds: aws.Int32(7200)})
	wantError(t, err, "AccessDenied", 403) // the production role may not call sts:AssumeRole at all
}

// Tags on users and roles, and a tag-based (ABAC) condition: a user may tag
// roles only with its own team (aws:RequestTag vs aws:PrincipalTag) and only
// roles of its team (iam:ResourceTag).
func TestSeedTaggingAndABAC(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	u := e.newUser("alice", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["iam:TagRole","iam:ListRoleTags"],"Resource":"arn:aws:iam::123456789012:role/*",
		 "Condition":{"StringEquals":{"aws:RequestTag/team":"${aws:PrincipalTag/team}","iam:ResourceTag/team":"${aws:PrincipalTag/team}"}}},
		{"Effect":"Allow","Action":"iam:ListRoleTags","Resource":"*"}]}`, iamtypes.Tag{Key: aws.String("team"), Value: aws.String("red")})
	got := must[*iam.GetUserOutput](t)(admin.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("alice")}))
	if len(got.User.Tags) != 1 || *got.User.Tags[0].Key != "team" {
		t.Fatalf("user tags: %+v", got.User.Tags)
	}
	for _, r := range []struct{ name, team string }{{"red-app", "red"}, {"blue-app", "blue"}} {
		must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(r.name), AssumeRolePolicyDocument: aws.String(trustAccount),
			Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String(r.team)}}}))
	}
	alice := e.iam(u)
	must[*iam.TagRoleOutput](t)(alice.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("red-app"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}}))
	_, err := alice.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("red-app"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("blue")}}})
	wantError(t, err, "AccessDenied", 403)
	_, err = alice.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("blue-app"), Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("red")}}})
	wantError(t, err, "AccessDenied", 403)
	must[*iam.TagRoleOutput](t)(admin.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("red-app"), Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("prod")}}}))
	tags := must[*iam.ListRoleTagsOutput](t)(alice.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("red-app")}))
	if len(tags.Tags) != 2 || *tags.Tags[0].Key != "env" || *tags.Tags[1].Key != "team" {
		t.Fatalf("tags: %+v", tags.Tags)
	}
	must[*iam.UntagRoleOutput](t)(admin.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("red-app"), TagKeys: []string{"env"}}))
	tags = must[*iam.ListRoleTagsOutput](t)(alice.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("red-app")}))
	if len(tags.Tags) != 1 {
		t.Fatalf("after untag: %+v", tags.Tags)
	}
	// Session tags become principal tags of the session.
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tagged"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`)}))
	must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("tagged"), PolicyName: aws.String("abac"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoleTags","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/project":"apollo"}}}]}`)}))
	for _, project := range []string{"apollo", "gemini"} {
		out := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/tagged"),
			RoleSessionName: aws.String("tagged-session"), Tags: []ststypes.Tag{{Key: aws.String("project"), Value: aws.String(project)}}}))
		_, err := e.iam(session(out.Credentials)).ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("tagged")})
		if project == "apollo" && err != nil {
			t.Fatalf("apollo session: %v", err)
		}
		if project == "gemini" {
			wantError(t, err, "AccessDenied", 403)
		}
	}
}

// Policy documents come back URL-encoded and byte for byte as sent (the IAM
// API Reference, GetRolePolicy: "The policy document returned in this
// structure is URL-encoded compliant with RFC 3986").
func TestDocumentsRoundTrip(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.iam(e.admin)
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"arn:aws:s3:::b/a+b c\"}]\n}"
	must[*iam.CreateRoleOutput](t)(admin.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("r"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(admin.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}))
	got := must[*iam.GetRolePolicyOutput](t)(admin.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String("r"), PolicyName: aws.String("p")}))
	dec, err := url.QueryUnescape(*got.PolicyDocument)
	if err != nil || dec != doc {
		t.Fatalf("document:\n got %q\nwant %q", dec, doc)
	}
}
