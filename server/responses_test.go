package server_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// Organizations' Account and Organization (botocore
// organizations/2016-11-28): every account has the time it joined
// (JoinedTimestamp), the organization the management account's email
// (MasterAccountEmail, the same address ListAccounts gives), and a
// CreateAccountStatus the same times on every describe.
func TestOrganizationsAccountTimesAndManagementEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	oc := e.org(e.admin)
	before := time.Now().Add(-time.Second)
	created := must[*organizations.CreateOrganizationOutput](t)(oc.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}))
	status := must[*organizations.CreateAccountOutput](t)(oc.CreateAccount(ctx, &organizations.CreateAccountInput{Email: aws.String("team@example.com"), AccountName: aws.String("team")})).CreateAccountStatus
	after := time.Now().Add(time.Second)

	org := must[*organizations.DescribeOrganizationOutput](t)(oc.DescribeOrganization(ctx, &organizations.DescribeOrganizationInput{})).Organization
	accounts := must[*organizations.ListAccountsOutput](t)(oc.ListAccounts(ctx, &organizations.ListAccountsInput{})).Accounts
	if len(accounts) != 2 {
		t.Fatalf("accounts: %+v", accounts)
	}
	for _, a := range accounts {
		if a.JoinedTimestamp == nil || a.JoinedTimestamp.Before(before) || a.JoinedTimestamp.After(after) {
			t.Errorf("%s joined %v, not between %v and %v", *a.Id, a.JoinedTimestamp, before, after)
		}
		if *a.Id == *org.MasterAccountId && (aws.ToString(org.MasterAccountEmail) == "" || *org.MasterAccountEmail != aws.ToString(a.Email)) {
			t.Errorf("MasterAccountEmail %q, the management account's Email %q", aws.ToString(org.MasterAccountEmail), aws.ToString(a.Email))
		}
	}
	if aws.ToString(created.Organization.MasterAccountEmail) != aws.ToString(org.MasterAccountEmail) {
		t.Errorf("CreateOrganization's MasterAccountEmail %q, DescribeOrganization's %q", aws.ToString(created.Organization.MasterAccountEmail), aws.ToString(org.MasterAccountEmail))
	}
	e.offset.Add(int64(90 * time.Second))
	for range 2 {
		again := must[*organizations.DescribeCreateAccountStatusOutput](t)(oc.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: status.Id})).CreateAccountStatus
		if !again.RequestedTimestamp.Equal(*status.RequestedTimestamp) || !again.CompletedTimestamp.Equal(*status.CompletedTimestamp) {
			t.Fatalf("describe: requested %v completed %v; CreateAccount said %v %v", again.RequestedTimestamp, again.CompletedTimestamp, status.RequestedTimestamp, status.CompletedTimestamp)
		}
		e.offset.Add(int64(time.Minute))
	}
}

// CreatePolicyVersion returns the new version without its document; only
// GetPolicyVersion returns the document (the IAM API Reference:
// CreatePolicyVersion's example response has IsDefaultVersion, VersionId
// and CreateDate; GetPolicyVersion's has the URL-encoded Document).
func TestPolicyVersionDocumentOnlyFromGetPolicyVersion(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	p := must[*iam.CreatePolicyOutput](t)(c.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("p"), PolicyDocument: aws.String(allowS3)}))
	v := must[*iam.CreatePolicyVersionOutput](t)(c.CreatePolicyVersion(ctx, &iam.CreatePolicyVersionInput{PolicyArn: p.Policy.Arn, PolicyDocument: aws.String(allowS3), SetAsDefault: true}))
	if v.PolicyVersion.Document != nil || aws.ToString(v.PolicyVersion.VersionId) != "v2" || !v.PolicyVersion.IsDefaultVersion {
		t.Fatalf("CreatePolicyVersion: %+v", v.PolicyVersion)
	}
	got := must[*iam.GetPolicyVersionOutput](t)(c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: p.Policy.Arn, VersionId: aws.String("v2")}))
	doc, err := url.QueryUnescape(aws.ToString(got.PolicyVersion.Document))
	if err != nil || doc != allowS3 {
		t.Fatalf("GetPolicyVersion document %q (%v)", aws.ToString(got.PolicyVersion.Document), err)
	}
	list := must[*iam.ListPolicyVersionsOutput](t)(c.ListPolicyVersions(ctx, &iam.ListPolicyVersionsInput{PolicyArn: p.Policy.Arn}))
	for _, lv := range list.Versions {
		if lv.Document != nil {
			t.Fatalf("ListPolicyVersions returned a document for %s", aws.ToString(lv.VersionId))
		}
	}
}

// GetRole's RoleLastUsed (the IAM API Reference, RoleLastUsed: returned by
// GetRole and GetAccountAuthorizationDetails; LastUsedDate "is null if the
// role has not been used"): present without a date before the role is
// used, with the date and region of its last allowed use after.
func TestGetRoleReturnsRoleLastUsed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	must[*iam.CreateRoleOutput](t)(c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("worker"), AssumeRolePolicyDocument: aws.String(trustAccount)}))
	must[*iam.PutRolePolicyOutput](t)(c.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("worker"), PolicyName: aws.String("list"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)}))
	r := must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("worker")})).Role
	if r.RoleLastUsed == nil || r.RoleLastUsed.LastUsedDate != nil || r.RoleLastUsed.Region != nil {
		t.Fatalf("a role never used: RoleLastUsed %+v", r.RoleLastUsed)
	}
	assumed := must[*sts.AssumeRoleOutput](t)(e.sts(e.admin).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Arn, RoleSessionName: aws.String("job")}))
	must[*iam.ListRolesOutput](t)(e.iam(session(assumed.Credentials)).ListRoles(ctx, &iam.ListRolesInput{}))
	r = must[*iam.GetRoleOutput](t)(c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("worker")})).Role
	if r.RoleLastUsed == nil || r.RoleLastUsed.LastUsedDate == nil || time.Since(*r.RoleLastUsed.LastUsedDate) > time.Minute || aws.ToString(r.RoleLastUsed.Region) != "us-east-1" {
		t.Fatalf("after a use: RoleLastUsed %+v", r.RoleLastUsed)
	}
	roles := must[*iam.ListRolesOutput](t)(c.ListRoles(ctx, &iam.ListRolesInput{})).Roles
	for _, lr := range roles {
		if lr.RoleLastUsed != nil {
			t.Fatalf("ListRoles returned RoleLastUsed for %s", aws.ToString(lr.RoleName))
		}
	}
	details := must[*iam.GetAccountAuthorizationDetailsOutput](t)(c.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}}))
	found := false
	for _, d := range details.RoleDetailList {
		if aws.ToString(d.RoleName) == "worker" {
			found = d.RoleLastUsed != nil && d.RoleLastUsed.LastUsedDate != nil
		}
	}
	if !found {
		t.Fatal("GetAccountAuthorizationDetails: no RoleLastUsed for the role used")
	}
}

// The simulator's matched statement spans its braces: StartPosition at the
// statement's "{", EndPosition at its "}" (the IAM API Reference,
// Statement: "the row and column of the beginning" and "of the end of a
// Statement"), in a request's policy and in the world's.
func TestSimulatorStatementPositionsSpanTheStatement(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	c := e.iam(e.admin)
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Effect\": \"Allow\",\n      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"*\"\n    }\n  ]\n}"
	check := func(what string, r []iamtypes.EvaluationResult) {
		t.Helper()
		if len(r) != 1 || len(r[0].MatchedStatements) != 1 {
			t.Fatalf("%s: %+v", what, r)
		}
		m := r[0].MatchedStatements[0]
		if m.StartPosition == nil || m.EndPosition == nil || m.StartPosition.Line != 4 || m.StartPosition.Column != 5 || m.EndPosition.Line != 8 || m.EndPosition.Column != 5 {
			t.Fatalf("%s: start %+v end %+v; want 4:5 and 8:5", what, m.StartPosition, m.EndPosition)
		}
	}
	custom := must[*iam.SimulateCustomPolicyOutput](t)(c.SimulateCustomPolicy(ctx, &iam.SimulateCustomPolicyInput{PolicyInputList: []string{doc}, ActionNames: []string{"s3:GetObject"}}))
	check("SimulateCustomPolicy", custom.EvaluationResults)
	user := must[*iam.CreateUserOutput](t)(c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("reader")}))
	must[*iam.PutUserPolicyOutput](t)(c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("reader"), PolicyName: aws.String("read"), PolicyDocument: aws.String(doc)}))
	principal := must[*iam.SimulatePrincipalPolicyOutput](t)(c.SimulatePrincipalPolicy(ctx, &iam.SimulatePrincipalPolicyInput{PolicySourceArn: user.User.Arn, ActionNames: []string{"s3:GetObject"}}))
	check("SimulatePrincipalPolicy", principal.EvaluationResults)
}
